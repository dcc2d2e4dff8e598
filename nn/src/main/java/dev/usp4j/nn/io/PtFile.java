package dev.usp4j.nn.io;

import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.cpu.CpuStorage;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.Enumeration;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads PyTorch {@code .pt}/{@code .pth} files written by {@code torch.save}: the zip layout (torch 1.6 and later:
 * {@code <name>/data.pkl} plus one entry per storage) and the legacy layout (consecutive pickles followed by the raw
 * storages, {@code _use_new_zipfile_serialization=False}), without running any Python.
 *
 * <p>The pickle is read by usp4j's own unpickler with an allow-list of globals (see {@link TorchGlobals}):
 * {@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2}/{@code _rebuild_tensor}/
 * {@code _rebuild_parameter}, the {@code torch.*Storage} classes (float, double, half, bfloat16, long, int, short,
 * char, byte, bool), {@code torch.Size}, {@code torch.device}, torch dtypes, {@code argparse.Namespace} (read as a
 * map of its attributes, as DiT saves its {@code args}), {@code builtins.set}/{@code frozenset}/{@code bytearray}
 * and {@code _codecs.encode} (bytes). Any other global ({@code os.system}, {@code builtins.eval}, a user class)
 * fails with {@link UnsafePickleException} naming it.
 *
 * <p>The result is a tree of {@link Map} (dicts, OrderedDicts, Namespaces), {@link List} (lists, tuples),
 * {@link NDArray}, {@link Long}/{@link Double}/{@link Boolean}, {@link String}, {@code byte[]} and null. Each torch
 * storage becomes one CPU storage, so tensors that shared a storage in Python share it here, and every tensor keeps
 * its sizes, strides and offset (a transposed tensor stays a non-contiguous view). float64 storages are converted
 * to float32 and int8/uint8/int16 ones widened to int32; {@link #notes()} lists each such conversion. A storage
 * holds at most 2^31 - 9 elements (one Java array).
 */
public final class PtFile {
    private static final int MAX_DEPTH = 64;

    private final Path path;
    private final Object root;
    private final List<String> notes;

    private PtFile(Path path, Object root, List<String> notes) {
        this.path = path;
        this.root = root;
        this.notes = Collections.unmodifiableList(notes);
    }

    /** Reads a whole file. */
    public static PtFile read(Path path) throws IOException {
        byte[] magic = new byte[4];
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.wrap(magic);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // read up to 4 bytes
            }
        }
        List<String> notes = new ArrayList<>();
        Object root = magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4
                ? readZip(path, notes) : readLegacy(path, notes);
        return new PtFile(path, root, notes);
    }

    /** The unpickled object (the dict, OrderedDict, ... that was saved). */
    public Object root() {
        return root;
    }

    /** What reading changed, one line per converted storage (e.g. float64 read as float32). */
    public List<String> notes() {
        return notes;
    }

    public Path path() {
        return path;
    }

    /**
     * The tensors under {@code keys} (each a dict key, descending; none for the root) flattened to dotted names:
     * nested dicts and lists add {@code key.} or {@code index.} prefixes, non-tensor values are left out. For a DiT
     * checkpoint {@code stateDict("ema")} is the EMA model's state dict; {@code stateDict("opt")} gives names like
     * {@code state.0.exp_avg}.
     */
    public Map<String, NDArray> stateDict(String... keys) {
        Object node = root;
        String where = "";
        for (String k : keys) {
            if (!(node instanceof Map<?, ?> m) || !m.containsKey(k)) {
                throw new IllegalArgumentException(path + ": no key '" + k + "' at the top" + where + " (keys: "
                        + (node instanceof Map<?, ?> m2 ? m2.keySet() : "not a dict") + ")");
            }
            node = m.get(k);
            where = " of '" + k + "'";
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        flatten(node, "", out, 0);
        return out;
    }

    /** Reads {@code path} and returns {@link #stateDict(String...)} of it. */
    public static Map<String, NDArray> stateDict(Path path, String... keys) throws IOException {
        return read(path).stateDict(keys);
    }

    private void flatten(Object node, String prefix, Map<String, NDArray> out, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException(path + ": nesting deeper than " + MAX_DEPTH + " at '" + prefix + "'");
        }
        if (node instanceof NDArray a) {
            out.put(prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1), a);
        } else if (node instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                flatten(e.getValue(), prefix + e.getKey() + ".", out, depth + 1);
            }
        } else if (node instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                flatten(l.get(i), prefix + i + ".", out, depth + 1);
            }
        }
    }

    // ---- the zip layout ---------------------------------------------------------------------------------------

    private static Object readZip(Path path, List<String> notes) throws IOException {
        try (ZipFile zip = new ZipFile(path.toFile())) {
            ZipEntry pkl = null;
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                String n = e.getName();
                if (n.endsWith("data.pkl") && (n.equals("data.pkl") || n.indexOf('/') == n.length() - 9)) {
                    if (pkl != null) {
                        throw new IOException(path + ": two pickles (" + pkl.getName() + ", " + n + ")");
                    }
                    pkl = e;
                }
            }
            if (pkl == null) {
                throw new IOException(path + ": a zip file without <name>/data.pkl is not a torch.save archive");
            }
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            ByteOrder order = ByteOrder.LITTLE_ENDIAN;
            ZipEntry bo = zip.getEntry(prefix + "byteorder");
            if (bo != null) {
                String s = new String(readEntry(zip, bo, 16, path), StandardCharsets.US_ASCII).strip();
                order = s.equals("big") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            }
            byte[] pickle = readEntry(zip, pkl, Integer.MAX_VALUE - 8, path);
            TorchGlobals globals = new TorchGlobals(path.toString());
            Object root = new Unpickler(path.toString(), MemorySegment.ofArray(pickle), 0, globals).load();
            Map<String, CpuStorage> loaded = new LinkedHashMap<>();
            for (TorchGlobals.StorageRef s : globals.storages().values()) {
                ZipEntry e = zip.getEntry(prefix + "data/" + s.key());
                if (e == null) {
                    throw new IOException(path + ": storage '" + s.key() + "' has no entry " + prefix + "data/"
                            + s.key());
                }
                long bytes = s.numel() * s.type().width;
                if (e.getSize() >= 0 && e.getSize() != bytes) {
                    throw new IOException(path + ": storage '" + s.key() + "' (" + s.type() + " of " + s.numel()
                            + " elements) needs " + bytes + " bytes, its entry has " + e.getSize());
                }
                try (InputStream in = zip.getInputStream(e)) {
                    loaded.put(s.key(), StorageReader.read(in, s, order, path, notes));
                }
            }
            return materialize(root, loaded, path);
        }
    }

    private static byte[] readEntry(ZipFile zip, ZipEntry e, int max, Path path) throws IOException {
        if (e.getSize() > max) {
            throw new IOException(path + ": entry " + e.getName() + " of " + e.getSize() + " bytes is too large");
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes(max);
            if (in.read() >= 0) {
                throw new IOException(path + ": entry " + e.getName() + " is larger than " + max + " bytes");
            }
            return b;
        }
    }

    // ---- the legacy layout ------------------------------------------------------------------------------------

    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);

    private static Object readLegacy(Path path, List<String> notes) throws IOException {
        try (Arena arena = Arena.ofConfined();
             FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size >= 262 && isTar(ch)) {
                throw new IOException(path + ": the tar layout of torch before 0.4 is not supported");
            }
            MemorySegment seg = size == 0 ? MemorySegment.NULL.reinterpret(0)
                    : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            TorchGlobals globals = new TorchGlobals(path.toString());
            Unpickler u = new Unpickler(path.toString(), seg, 0, globals);
            Object magic;
            try {
                magic = u.load();
            } catch (IOException e) {
                throw new IOException(path + ": neither a zip archive nor a legacy torch.save file (" + e.getMessage()
                        + ")", e);
            }
            if (!LEGACY_MAGIC.equals(magic instanceof Long l ? BigInteger.valueOf(l) : magic)) {
                throw new IOException(path + ": not a torch.save file (its first pickle is not torch's magic number)");
            }
            Object protocol = u.load();
            if (!Long.valueOf(1001).equals(protocol)) {
                throw new IOException(path + ": legacy protocol version " + protocol + " (only 1001 is known)");
            }
            Object sysInfo = u.load();
            ByteOrder order = sysInfo instanceof Map<?, ?> m && Boolean.FALSE.equals(m.get("little_endian"))
                    ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            Object root = u.load();
            Object keys = u.load();
            if (!(keys instanceof List<?> keyList)) {
                throw new IOException(path + ": the storage key list is missing");
            }
            long at = u.position();
            Map<String, CpuStorage> loaded = new LinkedHashMap<>();
            for (Object k : keyList) {
                TorchGlobals.StorageRef s = globals.storages().get(String.valueOf(k));
                if (s == null) {
                    throw new IOException(path + ": storage '" + k + "' is listed but no tensor names it");
                }
                if (at + 8 > size) {
                    throw new IOException(path + ": truncated before storage '" + k + "'");
                }
                ByteBuffer count = ByteBuffer.allocate(8).order(order);
                ch.read(count, at);
                long n = count.getLong(0);
                if (n != s.numel()) {
                    throw new IOException(path + ": storage '" + k + "' holds " + n + " elements, the pickle says "
                            + s.numel());
                }
                ch.position(at + 8);
                loaded.put(s.key(), StorageReader.read(Channels.newInputStream(ch), s, order, path, notes));
                at += 8 + n * s.type().width;
            }
            return materialize(root, loaded, path);
        }
    }

    private static boolean isTar(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(5);
        ch.read(b, 257);
        return new String(b.array(), StandardCharsets.US_ASCII).equals("ustar");
    }

    // ---- tensors ------------------------------------------------------------------------------------------------

    /** Replaces every tensor placeholder by an NDArray over its loaded storage, without recursion. */
    private static Object materialize(Object root, Map<String, CpuStorage> storages, Path path) throws IOException {
        Map<Object, NDArray> made = new IdentityHashMap<>();
        if (root instanceof TorchGlobals.TensorRef t) {
            return tensor(t, storages, path, "<root>", made);
        }
        Map<Object, Boolean> seen = new IdentityHashMap<>();
        Deque<Object[]> work = new ArrayDeque<>();
        work.push(new Object[] {root, ""});
        while (!work.isEmpty()) {
            Object[] item = work.pop();
            Object node = item[0];
            String where = (String) item[1];
            if (seen.put(node, Boolean.TRUE) != null) {
                continue;
            }
            if (node instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked")
                Map<Object, Object> mm = (Map<Object, Object>) m;
                for (Map.Entry<Object, Object> e : mm.entrySet()) {
                    String at = path(where, e.getKey());
                    if (e.getValue() instanceof TorchGlobals.TensorRef t) {
                        e.setValue(tensor(t, storages, path, at, made));
                    } else if (e.getValue() instanceof Map<?, ?> || e.getValue() instanceof List<?>) {
                        work.push(new Object[] {e.getValue(), at});
                    }
                }
            } else if (node instanceof List<?> l) {
                @SuppressWarnings("unchecked")
                ListIterator<Object> it = ((List<Object>) l).listIterator();
                while (it.hasNext()) {
                    String at = path(where, it.nextIndex());
                    Object v = it.next();
                    if (v instanceof TorchGlobals.TensorRef t) {
                        it.set(tensor(t, storages, path, at, made));
                    } else if (v instanceof Map<?, ?> || v instanceof List<?>) {
                        work.push(new Object[] {v, at});
                    }
                }
            }
        }
        return root;
    }

    /** A dotted location for messages, capped so that a hostile, very deep structure costs no quadratic time. */
    private static String path(String where, Object key) {
        return where.length() > 200 ? where : where + key + ".";
    }

    private static NDArray tensor(TorchGlobals.TensorRef t, Map<String, CpuStorage> storages, Path path, String at,
                                  Map<Object, NDArray> made) throws IOException {
        NDArray done = made.get(t);
        if (done != null) {
            return done;
        }
        String name = at.isEmpty() ? "<root>" : at.substring(0, Math.max(0, at.length() - 1));
        if (t.size().size() != t.stride().size()) {
            throw new IOException(path + ": tensor '" + name + "' has " + t.size().size() + " sizes and "
                    + t.stride().size() + " strides");
        }
        int[] shape = new int[t.size().size()];
        int[] strides = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = intValue(t.size().get(i), path, name, "size");
            strides[i] = intValue(t.stride().get(i), path, name, "stride");
        }
        int offset = intValue(t.offset(), path, name, "storage offset");
        try {
            NDArray a = NDArray.of(storages.get(t.storage().key()), shape, strides, offset);
            made.put(t, a);
            return a;
        } catch (IllegalArgumentException e) {
            throw new IOException(path + ": tensor '" + name + "' does not fit its storage '" + t.storage().key()
                    + "' of " + t.storage().numel() + " elements: " + e.getMessage(), e);
        }
    }

    private static int intValue(Object v, Path path, String name, String what) throws IOException {
        if (v instanceof Long l && l >= 0 && l <= Integer.MAX_VALUE) {
            return (int) (long) l;
        }
        throw new IOException(path + ": tensor '" + name + "' has " + what + " " + Unpickler.describe(v)
                + ", not an integer in [0, 2^31)");
    }
}
