package dev.usp4j.nn.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The allow-list of globals a {@code .pt} state dict or training checkpoint needs, and what each means in Java.
 * Everything else, such as {@code os.system}, {@code builtins.eval}, {@code subprocess.Popen} or a user's class, is
 * refused with {@link UnsafePickleException} when the pickle names it, before any later opcode runs. None of the
 * handlers calls out of this class: each only builds data (maps, lists, placeholders for tensors and storages).
 */
final class TorchGlobals implements Unpickler.Resolver {
    /** A storage named by a persistent id: its key in the archive, its type, and its length in elements. */
    record StorageRef(String key, TorchStorageType type, long numel) {
    }

    /** A tensor waiting for its storage's bytes: a view (offset, sizes, strides in elements) of a storage. */
    record TensorRef(StorageRef storage, long offset, List<Object> size, List<Object> stride) {
    }

    /** A {@code torch.*Storage} class: appears in persistent ids only; calling it is refused. */
    record StorageClass(TorchStorageType type) implements Unpickler.Callable {
        @Override
        public Object call(List<Object> args) throws IOException {
            throw new IOException("calling " + type + " directly is not supported (storages come from persistent ids)");
        }
    }

    private final String source;
    private final Map<String, Unpickler.Callable> allowed = new LinkedHashMap<>();
    private final Map<String, StorageRef> storages = new LinkedHashMap<>();
    private final Set<Object> namespaces = Collections.newSetFromMap(new IdentityHashMap<>());

    TorchGlobals(String source) {
        this.source = source;
        allowed.put("collections.OrderedDict", args -> {
            Map<Object, Object> m = new LinkedHashMap<>();
            if (!args.isEmpty()) {
                for (Object pair : list(args.getFirst(), "OrderedDict items")) {
                    List<Object> kv = list(pair, "OrderedDict item");
                    if (kv.size() != 2) {
                        throw new IOException(source + ": OrderedDict item of " + kv.size() + " values");
                    }
                    m.put(hashable(kv.get(0)), kv.get(1));
                }
            }
            return m;
        });
        Unpickler.Callable rebuildTensor = args -> {
            if (args.size() < 4 || !(args.get(0) instanceof StorageRef s) || !(args.get(1) instanceof Long off)) {
                throw new IOException(source + ": _rebuild_tensor with unexpected arguments (" + args.size()
                        + " of them, the first " + Unpickler.describe(args.isEmpty() ? null : args.getFirst()) + ")");
            }
            return new TensorRef(s, off, list(args.get(2), "tensor size"), list(args.get(3), "tensor stride"));
        };
        allowed.put("torch._utils._rebuild_tensor_v2", rebuildTensor);
        allowed.put("torch._utils._rebuild_tensor", rebuildTensor);
        Unpickler.Callable rebuildParameter = args -> {
            if (args.isEmpty() || !(args.getFirst() instanceof TensorRef)) {
                throw new IOException(source + ": _rebuild_parameter without a tensor");
            }
            return args.getFirst();
        };
        allowed.put("torch._utils._rebuild_parameter", rebuildParameter);
        allowed.put("torch._utils._rebuild_parameter_with_state", rebuildParameter);
        for (TorchStorageType t : TorchStorageType.values()) {
            allowed.put("torch." + t.className, new StorageClass(t));
        }
        allowed.put("torch.Size", args -> args.isEmpty() ? new ArrayList<>() : list(args.getFirst(), "torch.Size"));
        allowed.put("torch.device", args -> args.size() == 2 && args.get(1) != null
                ? args.get(0) + ":" + args.get(1) : String.valueOf(args.getFirst()));
        for (String dt : List.of("float32", "float", "float64", "double", "float16", "half", "bfloat16", "int64",
                "long", "int32", "int", "int16", "int8", "uint8", "bool")) {
            // A dtype object (e.g. in saved args) becomes its name; it is a value, never called.
            allowed.put("torch." + dt, new NamedValue("torch." + dt));
        }
        Unpickler.Callable namespace = new Unpickler.Callable() {
            @Override
            public Object call(List<Object> args) {
                Map<String, Object> attrs = new LinkedHashMap<>();
                namespaces.add(attrs);
                return attrs;
            }
        };
        allowed.put("argparse.Namespace", namespace);
        allowed.put("builtins.set", args -> {
            LinkedHashSet<Object> set = new LinkedHashSet<>();
            for (Object o : args.isEmpty() ? List.of() : items(args.getFirst())) {
                set.add(hashable(o));
            }
            return set;
        });
        allowed.put("builtins.frozenset", allowed.get("builtins.set"));
        allowed.put("builtins.bytearray", args -> args.isEmpty() ? new byte[0] : latin1(args));
        allowed.put("_codecs.encode", this::latin1);
    }

    /** A global that is only ever a value. */
    private record NamedValue(String name) implements Unpickler.Callable {
        @Override
        public Object call(List<Object> args) throws IOException {
            throw new IOException("calling " + name + " is not supported");
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Storages named so far, by key (each once, however many tensors view it). */
    Map<String, StorageRef> storages() {
        return storages;
    }

    /** Python 2 and 3 spell some modules differently; pickle protocol 2 writes the Python 2 names. */
    private static String canonicalModule(String module) {
        return switch (module) {
            case "__builtin__" -> "builtins";
            case "copy_reg" -> "copyreg";
            default -> module;
        };
    }

    @Override
    public Unpickler.Callable global(String module, String name) throws IOException {
        String qualified = canonicalModule(module) + "." + name;
        Unpickler.Callable c = allowed.get(qualified);
        if (c == null) {
            throw new UnsafePickleException(source + ": refused global '" + module + "." + name + "': a .pt file may"
                    + " name only the globals state dicts and checkpoints need (" + allowedSummary()
                    + "); nothing was executed", module + "." + name);
        }
        return c;
    }

    private String allowedSummary() {
        Set<String> names = new TreeSet<>();
        for (String k : allowed.keySet()) {
            names.add(k.matches("torch\\.[A-Za-z0-9]+Storage") ? "torch.*Storage"
                    : k.matches("torch\\.[a-z0-9]+") && !k.equals("torch.device") ? "torch dtypes" : k);
        }
        return String.join(", ", names);
    }

    @Override
    public Object persistentLoad(Object pid) throws IOException {
        List<Object> t = list(pid, "persistent id");
        if (t.size() < 5 || !"storage".equals(t.get(0)) || !(t.get(1) instanceof StorageClass cls)
                || !(t.get(2) instanceof String key) || !(t.get(4) instanceof Long numel) || numel < 0) {
            throw new IOException(source + ": unsupported persistent id of " + t.size() + " values starting with "
                    + Unpickler.describe(t.isEmpty() ? null : t.getFirst()) + " (expected ('storage', torch.*Storage,"
                    + " key, location, numel))");
        }
        if (t.size() > 5 && t.get(5) != null) {
            throw new IOException(source + ": storage '" + key + "' is a view of another storage (a format of torch"
                    + " before 1.0), which is not supported");
        }
        StorageRef known = storages.get(key);
        if (known == null) {
            known = new StorageRef(key, cls.type(), numel);
            storages.put(key, known);
        } else if (known.type() != cls.type() || known.numel() != numel) {
            throw new IOException(source + ": storage '" + key + "' is named as " + known.type() + " of "
                    + known.numel() + " and as " + cls.type() + " of " + numel + " elements");
        }
        return known;
    }

    @Override
    @SuppressWarnings("unchecked")
    public boolean build(Object target, Object state) throws IOException {
        if (namespaces.contains(target)) {
            // argparse.Namespace: the state is its __dict__ (possibly paired with slot state).
            Object dict = state instanceof List<?> pair && pair.size() == 2 ? pair.getFirst() : state;
            if (!(dict instanceof Map<?, ?> m)) {
                throw new IOException(source + ": argparse.Namespace state is not a dict");
            }
            for (Map.Entry<?, ?> e : m.entrySet()) {
                ((Map<String, Object>) target).put(String.valueOf(e.getKey()), e.getValue());
            }
            return true;
        }
        // An OrderedDict's attributes (a state dict's _metadata with module versions) carry no tensors: dropped.
        return target instanceof Map<?, ?> && !(target instanceof TensorRef);
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o, String what) throws IOException {
        if (o instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new IOException(source + ": " + what + " is not a list or tuple");
    }

    private Object hashable(Object o) throws IOException {
        String problem = Unpickler.hashProblem(o);
        if (problem != null) {
            throw new IOException(source + ": " + problem);
        }
        return o;
    }

    private List<Object> items(Object o) throws IOException {
        if (o instanceof Set<?> s) {
            return new ArrayList<>(s);
        }
        return list(o, "set items");
    }

    /** {@code _codecs.encode(text, "latin1")}: how protocol 2 pickles Python 3 bytes. */
    private byte[] latin1(List<Object> args) throws IOException {
        if (args.isEmpty() || !(args.getFirst() instanceof String s)) {
            throw new IOException(source + ": _codecs.encode needs a string");
        }
        Object enc = args.size() > 1 ? args.get(1) : "latin1";
        if (!"latin1".equals(enc) && !"latin-1".equals(enc)) {
            throw new IOException(source + ": _codecs.encode with encoding " + enc + " is not supported");
        }
        for (int k = 0; k < s.length(); k++) {
            if (s.charAt(k) > 0xFF) {
                throw new IOException(source + ": _codecs.encode of a character over U+00FF");
            }
        }
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
