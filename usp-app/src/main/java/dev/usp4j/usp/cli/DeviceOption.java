package dev.usp4j.usp.cli;

import dev.usp4j.tensor.Backends;
import dev.usp4j.tensor.Device;

/**
 * The {@code --device} option of every command that computes: parses cpu / cuda / cuda:N and checks, before any
 * work starts, that the device can be used, turning a missing GPU or driver into the CLI's one-line usage error.
 */
final class DeviceOption {
    private DeviceOption() {
    }

    /** The device {@code value} names, available here; an IllegalArgumentException saying why otherwise. */
    static Device parse(String value) {
        Device d;
        try {
            d = Device.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--device: " + e.getMessage(), e);
        }
        String why = Backends.unavailableReason(d);
        if (why != null) {
            throw new IllegalArgumentException("--device " + value + ": " + why);
        }
        return d;
    }
}
