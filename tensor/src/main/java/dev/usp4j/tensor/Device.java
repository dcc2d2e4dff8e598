package dev.usp4j.tensor;

/**
 * Where an array's storage lives: the CPU, or a numbered CUDA device.
 *
 * <p>Devices are values: {@code Device.CPU.equals(Device.parse("cpu"))}. Ops require all operands on one device
 * and say so when they are not.
 *
 * @param type  the kind of device
 * @param index the device number for CUDA (0 for the CPU)
 */
public record Device(Type type, int index) {

    /** Kinds of device. */
    public enum Type { CPU, CUDA }

    /** The host CPU; the reference backend. */
    public static final Device CPU = new Device(Type.CPU, 0);

    public Device {
        if (index < 0 || (type == Type.CPU && index != 0)) {
            throw new IllegalArgumentException("device: invalid index " + index + " for " + type);
        }
    }

    /** CUDA device number {@code index}. */
    public static Device cuda(int index) {
        return new Device(Type.CUDA, index);
    }

    /** Parses "cpu", "cuda" or "cuda:N" (as PyTorch spells them). */
    public static Device parse(String s) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("cpu")) {
            return CPU;
        }
        if (t.equals("cuda")) {
            return cuda(0);
        }
        if (t.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(t.substring(5)));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("device: cannot parse '" + s + "'; expected cpu, cuda or cuda:N");
    }

    @Override
    public String toString() {
        return type == Type.CPU ? "cpu" : "cuda:" + index;
    }
}
