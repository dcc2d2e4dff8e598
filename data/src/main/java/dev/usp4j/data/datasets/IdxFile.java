package dev.usp4j.data.datasets;

import dev.usp4j.data.DatasetException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * One IDX file (LeCun's MNIST format, also Fashion-MNIST's), read whole into memory: a 4-byte magic
 * {@code 0x00 0x00 type rank}, {@code rank} big-endian 32-bit dimensions, then the data. Only unsigned bytes (type
 * 0x08) are supported, which is all MNIST-style datasets use: images are rank 3 (magic 0x00000803), labels rank 1
 * (0x00000801). Gzipped files are recognised by their content, not their name. The SHA-256 of the bytes on disk is
 * computed while reading, for {@link dev.usp4j.data.Dataset#fingerprint}.
 */
public final class IdxFile {
    /** IDX type code of unsigned bytes. */
    private static final int UBYTE = 0x08;

    private final Path file;
    private final int[] dims;
    private final byte[] data;
    private final int headerBytes;
    private final byte[] sha256;

    private IdxFile(Path file, int[] dims, byte[] data, int headerBytes, byte[] sha256) {
        this.file = file;
        this.dims = dims;
        this.data = data;
        this.headerBytes = headerBytes;
        this.sha256 = sha256;
    }

    /**
     * Reads {@code file} (plain or gzipped) and checks that it holds unsigned bytes of the given rank.
     *
     * @throws DatasetException naming the file, the byte offset and what was expected when the file is missing,
     *                          truncated, has another magic, or has bytes after the data
     */
    public static IdxFile read(Path file, int rank) {
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DatasetException(file + ": no such file");
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot read: " + e.getMessage(), e);
        }
        byte[] sha = Hashing.sha256(raw);
        boolean gz = raw.length >= 2 && (raw[0] & 0xFF) == 0x1F && (raw[1] & 0xFF) == 0x8B;
        byte[] bytes = gz ? gunzip(file, raw) : raw;
        // Offsets in messages refer to the decompressed stream for gzipped files; say so, or they would mislead.
        String where = gz ? file + " (gzip; offsets are in the decompressed stream)" : file.toString();
        int expectedMagic = (UBYTE << 8) | rank;
        if (bytes.length < 4) {
            throw new DatasetException(where + ": truncated at byte offset " + bytes.length
                    + ": expected a 4-byte magic number 0x" + hex8(expectedMagic) + ", the file has only "
                    + bytes.length + " bytes");
        }
        int magic = readInt(bytes, 0);
        if (magic != expectedMagic) {
            throw new DatasetException(where + ": at byte offset 0: expected magic number 0x" + hex8(expectedMagic)
                    + " (unsigned bytes, " + rank + " dimension" + (rank == 1 ? "" : "s") + "), got 0x" + hex8(magic));
        }
        int header = 4 + 4 * rank;
        if (bytes.length < header) {
            throw new DatasetException(where + ": truncated at byte offset " + bytes.length + ": expected " + rank
                    + " big-endian 32-bit dimensions in bytes 4.." + (header - 1));
        }
        int[] dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = readInt(bytes, 4 + 4 * i);
            if (dims[i] < 0) {
                throw new DatasetException(where + ": at byte offset " + (4 + 4 * i)
                        + ": expected a dimension >= 0, got " + dims[i]);
            }
            count *= dims[i];
        }
        long expectedLength = header + count;
        if (bytes.length < expectedLength) {
            throw new DatasetException(where + ": truncated at byte offset " + bytes.length + ": dimensions "
                    + java.util.Arrays.toString(dims) + " need " + count + " data bytes from offset " + header
                    + " (a stream of " + expectedLength + " bytes), got " + (bytes.length - header));
        }
        if (bytes.length > expectedLength) {
            throw new DatasetException(where + ": at byte offset " + expectedLength + ": expected the end of the data"
                    + " for dimensions " + java.util.Arrays.toString(dims) + ", but " + (bytes.length - expectedLength)
                    + " more bytes follow");
        }
        // The header stays in front of the data: copying 47 MB only to drop 16 bytes would double the load time.
        return new IdxFile(file, dims, bytes, header, sha);
    }

    private static byte[] gunzip(Path file, byte[] raw) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw), 1 << 16)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new DatasetException(file + ": corrupt or truncated gzip data (" + e.getMessage()
                    + "); delete the file and fetch it again", e);
        }
    }

    private static int readInt(byte[] b, int off) {
        return (b[off] & 0xFF) << 24 | (b[off + 1] & 0xFF) << 16 | (b[off + 2] & 0xFF) << 8 | (b[off + 3] & 0xFF);
    }

    private static String hex8(int v) {
        return String.format("%08x", v);
    }

    /** The file this was read from. */
    public Path file() {
        return file;
    }

    /** The dimensions from the header (a copy). */
    public int[] dims() {
        return dims.clone();
    }

    /** Dimension {@code i}. */
    public int dim(int i) {
        return dims[i];
    }

    /**
     * The whole decompressed stream, header included (shared, not copied): the data start at {@link #dataOffset()}.
     */
    public byte[] bytes() {
        return data;
    }

    /** Where the data start in {@link #bytes()}: 4 + 4·rank. */
    public int dataOffset() {
        return headerBytes;
    }

    /** The SHA-256 of the file's bytes as stored on disk (compressed, if it was). */
    public byte[] sha256() {
        return sha256.clone();
    }
}
