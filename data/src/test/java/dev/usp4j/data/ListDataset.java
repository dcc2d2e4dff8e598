package dev.usp4j.data;

import java.util.List;

/** A dataset of n grey w×h images whose pixels encode their index, for loader and cache tests. */
class ListDataset implements Dataset {
    private final int n;
    private final int w;
    private final int h;
    private final String fingerprint;

    ListDataset(int n, int w, int h, String fingerprint) {
        this.n = n;
        this.w = w;
        this.h = h;
        this.fingerprint = fingerprint;
    }

    @Override
    public int size() {
        return n;
    }

    @Override
    public Sample get(int index) {
        byte[] px = new byte[w * h];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) ((index * 7 + i * 13 + (i % w) * 29) & 0xFF);
        }
        return new Sample(new Image(w, h, 1, px), index % 3);
    }

    @Override
    public List<String> classes() {
        return List.of("a", "b", "c");
    }

    @Override
    public String name() {
        return "list-" + n;
    }

    @Override
    public String fingerprint() {
        return fingerprint;
    }
}
