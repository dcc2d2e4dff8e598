package dev.usp4j.tensor;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Arrays;

/**
 * The CPU backend with some of its fused methods hidden: a proxy that runs the {@link Backend} interface's default
 * implementation for every method whose name starts with one of the given prefixes, and the CPU backend's for the
 * rest. That is what a backend without those fused kernels (CUDA today) runs, so tests check the defaults here.
 */
final class BackendDefaults {
    private BackendDefaults() {
    }

    static Backend cpuWithDefaultsFor(String... methodPrefixes) {
        Backend cpu = Backends.cpu();
        InvocationHandler h = (proxy, method, args) -> {
            String name = method.getName();
            if (Arrays.stream(methodPrefixes).anyMatch(name::startsWith)) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            try {
                return method.invoke(cpu, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, h);
    }
}
