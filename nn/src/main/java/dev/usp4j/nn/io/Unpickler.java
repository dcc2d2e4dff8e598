package dev.usp4j.nn.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle virtual machine that builds Java values and never runs Python code: the opcodes of protocols 0 to 5
 * that data needs (torch.save uses protocol 2), with every global looked up through a {@link Resolver} that
 * accepts only an allow-list and refuses anything else when its name is read.
 *
 * <p>Values: None is null, bool {@link Boolean}, int {@link Long} (or {@link BigInteger} when wider), float
 * {@link Double}, str {@link String}, bytes {@code byte[]}, list {@link ArrayList}, tuple {@link Tuple} (an
 * ArrayList the pickle cannot append to), dict {@link LinkedHashMap} (insertion order kept), set
 * {@link LinkedHashSet}. Allowed globals produce whatever their Java handler returns. Malformed input (unknown
 * opcode, stack underflow, missing mark, memo miss, truncation, an unhashable or too deeply nested dict key) is an
 * {@link IOException} with the opcode's position. Nothing recurses over the input's structure, so deep nesting
 * costs memory in proportion to the file, never the Java stack.
 */
final class Unpickler {
    /** A Python tuple: a list that APPEND refuses, so tuples stay acyclic and can be hashed as dict keys. */
    static final class Tuple extends ArrayList<Object> {
        Tuple(java.util.Collection<Object> items) {
            super(items);
        }
    }

    /** Deepest tuple nesting accepted in a dict key or set member (hashing recurses over it). */
    private static final int MAX_KEY_DEPTH = 16;

    /** Decides what globals, persistent ids and BUILD mean; the allow-list lives there. */
    interface Resolver {
        /** The allowed global {@code module.name}; throws {@link UnsafePickleException} for anything else. */
        Callable global(String module, String name) throws IOException;

        /** The object a persistent id stands for (torch: a storage). */
        Object persistentLoad(Object pid) throws IOException;

        /** Applies BUILD's state to an object made by an allowed global; returns false when it cannot. */
        boolean build(Object target, Object state) throws IOException;
    }

    /** An allowed global: what REDUCE (call) and NEWOBJ (cls.__new__) do with it. */
    interface Callable {
        Object call(List<Object> args) throws IOException;

        default Object newObject(List<Object> args) throws IOException {
            return call(args);
        }
    }

    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_BE =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final Object MARK = new Object() {
        @Override
        public String toString() {
            return "MARK";
        }
    };

    private final String source;
    private final MemorySegment in;
    private final Resolver resolver;
    private long pos;
    private long opAt;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    /** Reads pickles from {@code in} starting at {@code start}; {@code source} names the file in errors. */
    Unpickler(String source, MemorySegment in, long start, Resolver resolver) {
        this.source = source;
        this.in = in;
        this.pos = start;
        this.resolver = resolver;
    }

    /** Offset just after the last STOP read: where the next pickle or the raw data begins. */
    long position() {
        return pos;
    }

    private IOException error(String what) {
        return new IOException(source + ": bad pickle at byte " + opAt + ": " + what);
    }

    private void need(long n) throws IOException {
        if (n < 0 || n > in.byteSize() - pos) {
            throw error("truncated (needs " + n + " more bytes, " + (in.byteSize() - pos) + " left)");
        }
    }

    private int u8() throws IOException {
        need(1);
        return in.get(ValueLayout.JAVA_BYTE, pos++) & 0xFF;
    }

    private int i32() throws IOException {
        need(4);
        int v = in.get(I32, pos);
        pos += 4;
        return v;
    }

    private long i64() throws IOException {
        need(8);
        long v = in.get(I64, pos);
        pos += 8;
        return v;
    }

    private byte[] bytes(long n) throws IOException {
        need(n);
        if (n > Integer.MAX_VALUE - 8) {
            throw error("string of " + n + " bytes");
        }
        byte[] b = new byte[(int) n];
        MemorySegment.copy(in, ValueLayout.JAVA_BYTE, pos, b, 0, b.length);
        pos += n;
        return b;
    }

    private long length32() throws IOException {
        return Integer.toUnsignedLong(i32());
    }

    private String line() throws IOException {
        StringBuilder b = new StringBuilder();
        while (true) {
            int c = u8();
            if (c == '\n') {
                return b.toString();
            }
            if (b.length() > 1 << 16) {
                throw error("text line over 64 KiB");
            }
            b.append((char) c);
        }
    }

    private Object pop() throws IOException {
        if (stack.isEmpty()) {
            throw error("stack underflow");
        }
        Object v = stack.removeLast();
        if (v == MARK) {
            throw error("unexpected MARK on the stack");
        }
        return v;
    }

    private Object peek() throws IOException {
        if (stack.isEmpty() || stack.getLast() == MARK) {
            throw error("stack underflow");
        }
        return stack.getLast();
    }

    /** Pops everything above the topmost MARK, and the MARK. */
    private List<Object> popMark() throws IOException {
        int k = stack.lastIndexOf(MARK);
        if (k < 0) {
            throw error("no MARK on the stack");
        }
        List<Object> items = new ArrayList<>(stack.subList(k + 1, stack.size()));
        stack.subList(k, stack.size()).clear();
        return items;
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private Object memoGet(long key) throws IOException {
        if (!memo.containsKey(key)) {
            throw error("memo key " + key + " was never stored");
        }
        return memo.get(key);
    }

    /** Runs until STOP and returns the pickled value. */
    Object load() throws IOException {
        stack.clear();
        memo.clear();
        while (true) {
            opAt = pos;
            int op = u8();
            switch (op) {
                case 0x80 -> u8(); // PROTO: version
                case 0x95 -> i64(); // FRAME: size hint only
                case '.' -> {
                    Object v = pop();
                    if (!stack.isEmpty()) {
                        throw error("STOP with " + stack.size() + " values left on the stack");
                    }
                    return v;
                }
                case '(' -> stack.add(MARK);
                case '0' -> {
                    if (!stack.isEmpty() && stack.getLast() == MARK) {
                        stack.removeLast();
                    } else {
                        pop();
                    }
                }
                case '1' -> popMark();
                case '2' -> stack.add(peek());
                case 'N' -> stack.add(null);
                case 0x88 -> stack.add(Boolean.TRUE);
                case 0x89 -> stack.add(Boolean.FALSE);
                case 'J' -> stack.add((long) i32());
                case 'K' -> stack.add((long) u8());
                case 'M' -> stack.add((long) (u8() | u8() << 8));
                case 0x8a -> stack.add(longLE(bytes(u8())));
                case 0x8b -> stack.add(longLE(bytes(length32())));
                case 'I' -> stack.add(textInt(line()));
                case 'L' -> stack.add(textLong(line()));
                case 'G' -> {
                    need(8);
                    stack.add(in.get(F64_BE, pos));
                    pos += 8;
                }
                case 'F' -> stack.add(textFloat(line()));
                case 'X' -> stack.add(str(bytes(length32())));
                case 0x8c -> stack.add(str(bytes(u8())));
                case 0x8d -> stack.add(str(bytes(i64())));
                // Python 2 str: bytes taken as Latin-1 text, as torch.load(encoding="latin1") would.
                case 'T' -> stack.add(new String(bytes(length32()), StandardCharsets.ISO_8859_1));
                case 'U' -> stack.add(new String(bytes(u8()), StandardCharsets.ISO_8859_1));
                case 'B' -> stack.add(bytes(length32()));
                case 'C' -> stack.add(bytes(u8()));
                case 0x8e -> stack.add(bytes(i64()));
                case ')' -> stack.add(new Tuple(List.of()));
                case 't' -> stack.add(new Tuple(popMark()));
                case 0x85 -> stack.add(tuple(1));
                case 0x86 -> stack.add(tuple(2));
                case 0x87 -> stack.add(tuple(3));
                case ']' -> stack.add(new ArrayList<>());
                case 'l' -> stack.add(popMark());
                case 'a' -> {
                    Object v = pop();
                    appendable(peek()).add(v);
                }
                case 'e' -> {
                    List<Object> items = popMark();
                    appendable(peek()).addAll(items);
                }
                case '}' -> stack.add(new LinkedHashMap<>());
                case 'd' -> {
                    Map<Object, Object> m = new LinkedHashMap<>();
                    putPairs(m, popMark());
                    stack.add(m);
                }
                case 's' -> {
                    Object v = pop();
                    Object k = hashable(pop());
                    map(peek()).put(k, v);
                }
                case 'u' -> {
                    List<Object> items = popMark();
                    putPairs(map(peek()), items);
                }
                case 0x8f -> stack.add(new LinkedHashSet<>());
                case 0x90 -> {
                    List<Object> items = popMark();
                    set(peek()).addAll(hashables(items));
                }
                case 0x91 -> stack.add(new LinkedHashSet<>(hashables(popMark())));
                case 'c' -> {
                    String module = line();
                    stack.add(resolver.global(module, line()));
                }
                case 0x93 -> {
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw error("STACK_GLOBAL needs two strings");
                    }
                    stack.add(resolver.global(m, n));
                }
                case 'i' -> {
                    String module = line();
                    Callable cls = resolver.global(module, line());
                    stack.add(cls.call(popMark()));
                }
                case 'o' -> {
                    List<Object> items = popMark();
                    if (items.isEmpty()) {
                        throw error("OBJ without a class");
                    }
                    stack.add(callable(items.removeFirst(), "OBJ").call(items));
                }
                case 'R' -> {
                    Object args = pop();
                    Object f = pop();
                    stack.add(callable(f, "REDUCE").call(list(args)));
                }
                case 0x81 -> {
                    Object args = pop();
                    Object cls = pop();
                    stack.add(callable(cls, "NEWOBJ").newObject(list(args)));
                }
                case 0x92 -> {
                    Object kwargs = pop();
                    Object args = pop();
                    Object cls = pop();
                    if (!map(kwargs).isEmpty()) {
                        throw error("NEWOBJ_EX with keyword arguments");
                    }
                    stack.add(callable(cls, "NEWOBJ_EX").newObject(list(args)));
                }
                case 'b' -> {
                    Object state = pop();
                    Object target = peek();
                    if (!resolver.build(target, state)) {
                        throw error("BUILD on " + describe(target) + ", which takes no state");
                    }
                }
                case 'Q' -> stack.add(resolver.persistentLoad(pop()));
                case 'P' -> stack.add(resolver.persistentLoad(line()));
                case 'q' -> memo.put((long) u8(), peek());
                case 'r' -> memo.put(length32(), peek());
                case 'p' -> memo.put(textLong(line()).longValue(), peek());
                case 0x94 -> memo.put((long) memo.size(), peek());
                case 'h' -> stack.add(memoGet(u8()));
                case 'j' -> stack.add(memoGet(length32()));
                case 'g' -> stack.add(memoGet(textLong(line()).longValue()));
                case 0x82, 0x83, 0x84 -> throw new UnsafePickleException(source + ": refused pickle opcode EXT"
                        + (op == 0x82 ? 1 : op == 0x83 ? 2 : 4) + " (the copyreg extension registry names arbitrary"
                        + " globals)", "copyreg extension");
                default -> throw error("unsupported opcode 0x" + Integer.toHexString(op)
                        + (op >= 0x20 && op < 0x7f ? " ('" + (char) op + "')" : ""));
            }
        }
    }

    private Tuple tuple(int n) throws IOException {
        Object[] items = new Object[n];
        for (int k = n - 1; k >= 0; k--) {
            items[k] = pop();
        }
        return new Tuple(java.util.Arrays.asList(items));
    }

    private void putPairs(Map<Object, Object> m, List<Object> items) throws IOException {
        if (items.size() % 2 != 0) {
            throw error("odd number of items for a dict");
        }
        for (int k = 0; k < items.size(); k += 2) {
            m.put(hashable(items.get(k)), items.get(k + 1));
        }
    }

    private List<Object> hashables(List<Object> items) throws IOException {
        for (Object o : items) {
            hashable(o);
        }
        return items;
    }

    private Object hashable(Object key) throws IOException {
        String problem = hashProblem(key);
        if (problem != null) {
            throw error(problem);
        }
        return key;
    }

    /**
     * Why {@code key} cannot be a dict key or set member, or null when it can: it must be what Python can hash
     * (None, bool, int, float, str, bytes, or a tuple of those) nested at most {@value #MAX_KEY_DEPTH} deep, since
     * Java's hashCode recurses into it; lists, dicts and deeper tuples are refused rather than risk the stack.
     */
    static String hashProblem(Object key) {
        ArrayList<Object[]> work = new ArrayList<>();
        work.add(new Object[] {key, 0});
        while (!work.isEmpty()) {
            Object[] item = work.removeLast();
            Object o = item[0];
            int depth = (Integer) item[1];
            if (o instanceof Tuple t) {
                if (depth >= MAX_KEY_DEPTH) {
                    return "dict key or set member nested deeper than " + MAX_KEY_DEPTH;
                }
                for (Object x : t) {
                    work.add(new Object[] {x, depth + 1});
                }
            } else if (!(o == null || o instanceof String || o instanceof Long || o instanceof Double
                    || o instanceof Boolean || o instanceof BigInteger || o instanceof byte[])) {
                return "unhashable dict key or set member: " + describe(o);
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) throws IOException {
        if (o instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw error("expected a list or tuple, found " + describe(o));
    }

    private List<Object> appendable(Object o) throws IOException {
        if (o instanceof Tuple) {
            throw error("APPEND to a tuple");
        }
        return list(o);
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> map(Object o) throws IOException {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw error("expected a dict, found " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private Set<Object> set(Object o) throws IOException {
        if (o instanceof Set<?> s) {
            return (Set<Object>) s;
        }
        throw error("expected a set, found " + describe(o));
    }

    private Callable callable(Object o, String opName) throws IOException {
        if (o instanceof Callable c) {
            return c;
        }
        throw error(opName + " on " + describe(o) + ", which is not an allowed global");
    }

    /** A short description that never walks into a collection (which may be huge, deep or cyclic). */
    static String describe(Object o) {
        return switch (o) {
            case null -> "None";
            case String str -> "str '" + str.substring(0, Math.min(40, str.length())) + "'";
            case Number n -> n.getClass().getSimpleName() + " " + n;
            case Boolean b -> b.toString();
            case byte[] b -> "bytes of length " + b.length;
            case Tuple t -> "tuple of " + t.size();
            case List<?> l -> "list of " + l.size();
            case Map<?, ?> m -> "dict of " + m.size();
            case Set<?> st -> "set of " + st.size();
            case TorchGlobals.TensorRef t -> "tensor";
            default -> o.getClass().getSimpleName();
        };
    }

    /** Little-endian two's complement, as LONG1/LONG4 store it; a Long when it fits. */
    private static Object longLE(byte[] le) {
        if (le.length == 0) {
            return 0L;
        }
        byte[] be = new byte[le.length];
        for (int k = 0; k < le.length; k++) {
            be[k] = le[le.length - 1 - k];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private Object textInt(String s) throws IOException {
        // Protocol 0 spells booleans as INT 01 / 00.
        if (s.equals("01")) {
            return Boolean.TRUE;
        }
        if (s.equals("00")) {
            return Boolean.FALSE;
        }
        return textLong(s);
    }

    private Long textLong(String s) throws IOException {
        String t = s.endsWith("L") ? s.substring(0, s.length() - 1) : s;
        try {
            return Long.parseLong(t.strip());
        } catch (NumberFormatException e) {
            throw error("bad integer '" + s + "'");
        }
    }

    private Double textFloat(String s) throws IOException {
        try {
            return Double.parseDouble(s.strip());
        } catch (NumberFormatException e) {
            throw error("bad float '" + s + "'");
        }
    }
}
