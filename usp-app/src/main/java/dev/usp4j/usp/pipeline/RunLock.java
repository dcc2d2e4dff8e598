package dev.usp4j.usp.pipeline;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a run folder ({@code <run>/.lock}) held while a pipeline or study runs its stages. A study
 * carried over several sittings is restarted by hand, and two sittings running at once would train the same arms
 * into the same checkpoints; the second one is refused with the holder's process id instead. The operating system
 * releases the lock when the holding process dies, so a killed sitting never blocks the next one.
 */
final class RunLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock of {@code runDir}, or fails (an IOException) naming the folder and the process holding it. */
    static RunLock acquire(Path runDir) throws IOException {
        Path file = Files.createDirectories(runDir).resolve(".lock");
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException sameJvm) {
            lock = null;
        }
        if (lock == null) {
            String holder = Files.readString(file, StandardCharsets.UTF_8).strip();
            ch.close();
            // An IOException: the CLI reports it as a problem with the input (the --out folder), without a trace.
            throw new IOException(runDir + " is in use by another run (process " + (holder.isEmpty() ? "?" : holder)
                    + "); wait for it to finish or stop it, then run again to continue");
        }
        ch.truncate(0);
        ch.write(StandardCharsets.UTF_8.encode(ProcessHandle.current().pid() + "\n"), 0);
        return new RunLock(ch, lock);
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}
