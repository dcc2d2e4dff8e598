package dev.usp4j.data.datasets;

import dev.usp4j.data.DatasetException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Installs the standard datasets with the system's package manager, for the command line ({@code ./usp}) when the
 * user asks for it. Kept apart from the readers on purpose: loading a dataset never installs anything, and tests
 * never call this (they skip when the data are absent). Only works as root on Debian-like systems; otherwise it
 * says what to run.
 */
public final class DatasetInstaller {
    private DatasetInstaller() {
    }

    /**
     * Makes sure {@link FashionMnist#STANDARD_DIR} holds Fashion-MNIST, running
     * {@code apt-get install -y dataset-fashion-mnist} (after {@code apt-get update} if the first try fails) when it
     * does not. The package manager's output goes to this process's stdout/stderr.
     *
     * @return true if something was installed, false if it already was there
     * @throws DatasetException if not root, if apt-get is missing or fails
     */
    public static boolean installFashionMnist() {
        if (FashionMnist.standardInstalled()) {
            return false;
        }
        String pkg = "dataset-fashion-mnist";
        if (!isRoot()) {
            throw new DatasetException("Fashion-MNIST is not installed in " + FashionMnist.STANDARD_DIR
                    + " and installing it needs root: run 'sudo apt-get install " + pkg + "'");
        }
        if (run(List.of("apt-get", "install", "-y", pkg)) != 0) {
            // A fresh container often has empty package lists; refresh them once and retry.
            run(List.of("apt-get", "update"));
            int rc = run(List.of("apt-get", "install", "-y", pkg));
            if (rc != 0) {
                throw new DatasetException("'apt-get install -y " + pkg + "' failed with exit status " + rc);
            }
        }
        if (!FashionMnist.standardInstalled()) {
            throw new DatasetException("'apt-get install " + pkg + "' succeeded but " + FashionMnist.STANDARD_DIR
                    + " still lacks train-images-idx3-ubyte.gz");
        }
        return true;
    }

    private static boolean isRoot() {
        try {
            Process p = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            return p.waitFor() == 0 && out.equals("0");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int run(List<String> command) {
        try {
            return new ProcessBuilder(command).inheritIO().start().waitFor();
        } catch (IOException e) {
            throw new DatasetException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatasetException("interrupted while running " + String.join(" ", command), e);
        }
    }
}
