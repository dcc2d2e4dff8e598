package dev.usp4j.nn.optim;

/** The same learning rate at every position (DiT and SiT train with a constant 1e-4). */
public record ConstantLr(double lr) implements LrSchedule {
    public ConstantLr {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("ConstantLr: lr must be finite and >= 0, got " + lr);
        }
    }

    @Override
    public double lr(double position) {
        return lr;
    }
}
