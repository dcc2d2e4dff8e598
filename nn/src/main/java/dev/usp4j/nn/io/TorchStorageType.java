package dev.usp4j.nn.io;

import dev.usp4j.tensor.DType;

/**
 * The {@code torch.*Storage} classes a {@code .pt} file may name, with their element width and the usp4j dtype the
 * storage is read into: float64 narrows to float32 (usp4j computes in float32), the small integer types widen to
 * int32; the others keep their dtype.
 */
enum TorchStorageType {
    FLOAT("FloatStorage", 4, DType.F32),
    DOUBLE("DoubleStorage", 8, DType.F32),
    HALF("HalfStorage", 2, DType.F16),
    BFLOAT16("BFloat16Storage", 2, DType.BF16),
    LONG("LongStorage", 8, DType.I64),
    INT("IntStorage", 4, DType.I32),
    SHORT("ShortStorage", 2, DType.I32),
    CHAR("CharStorage", 1, DType.I32),
    BYTE("ByteStorage", 1, DType.I32),
    BOOL("BoolStorage", 1, DType.BOOL);

    final String className;
    final int width;
    final DType readAs;

    TorchStorageType(String className, int width, DType readAs) {
        this.className = className;
        this.width = width;
        this.readAs = readAs;
    }

    /** The type named {@code torch.<name>}, or null. */
    static TorchStorageType byClassName(String name) {
        for (TorchStorageType t : values()) {
            if (t.className.equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** A note for the load report when reading changes the element type, else null. */
    String conversionNote() {
        return switch (this) {
            case DOUBLE -> "float64 converted to float32";
            case SHORT -> "int16 widened to int32";
            case CHAR -> "int8 widened to int32";
            case BYTE -> "uint8 widened to int32";
            default -> null;
        };
    }

    @Override
    public String toString() {
        return "torch." + className;
    }
}
