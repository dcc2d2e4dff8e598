package dev.usp4j.tensor.cuda;

import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.EmulatedDevice;

/** The op contract on the emulated device (CPU kernels behind a device boundary): runs everywhere. */
class EmulatedDeviceOpsTest extends DeviceOpsContract {
    @Override
    Device device() {
        return EmulatedDevice.register();
    }
}
