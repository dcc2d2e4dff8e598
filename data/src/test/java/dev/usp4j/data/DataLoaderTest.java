package dev.usp4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.data.transforms.Images;
import dev.usp4j.tensor.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The loader: a permutation per epoch from the seed, batching with and without the last short batch, random
 * transforms seeded per (seed, epoch, index), and identical batches whatever the number of workers.
 */
class DataLoaderTest {
    /** A random transform: flips the image when its first draw is below one half, so order bugs show. */
    private static final Transform RANDOM_FLIP = (img, gen) ->
            NDArray.rand(gen, 1).toFloatArray()[0] < 0.5f ? Images.flipHorizontal(img) : img;

    private static List<Batch> epoch(int workers, int epoch) {
        try (DataLoader loader = DataLoader.builder(new ListDataset(103, 5, 4, "x")).batchSize(16).shuffle(42)
                .workers(workers).prefetch(3).transform(RANDOM_FLIP).build()) {
            List<Batch> out = new ArrayList<>();
            loader.epoch(epoch).forEach(out::add);
            return out;
        }
    }

    @Test
    void sameBatchesWhateverTheWorkers() {
        List<Batch> serial = epoch(0, 3);
        for (int workers : new int[] {1, 4}) {
            List<Batch> par = epoch(workers, 3);
            assertEquals(serial.size(), par.size());
            for (int k = 0; k < serial.size(); k++) {
                assertArrayEquals(serial.get(k).indices(), par.get(k).indices(), workers + " workers, batch " + k);
                assertArrayEquals(serial.get(k).images().toFloatArray(), par.get(k).images().toFloatArray());
                assertArrayEquals(serial.get(k).labels().toLongArray(), par.get(k).labels().toLongArray());
            }
        }
    }

    @Test
    void fashionMnistOrderIsTheSameWithOneAndFourWorkers() {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.usp4j.data.datasets.FashionMnist.standardInstalled(),
                "Fashion-MNIST not installed: apt-get install dataset-fashion-mnist");
        Dataset train = dev.usp4j.data.datasets.FashionMnist.standard(true);
        Transform tf = dev.usp4j.data.transforms.Pad.all(2).then(dev.usp4j.data.transforms.RandomHorizontalFlip.half());
        List<List<Batch>> runs = new ArrayList<>();
        for (int workers : new int[] {1, 4}) {
            try (DataLoader loader = DataLoader.builder(train).batchSize(256).shuffle(7).dropLast(true)
                    .workers(workers).transform(tf).build()) {
                List<Batch> first = new ArrayList<>();
                for (Batch b : loader.epoch(1)) {
                    first.add(b);
                    if (first.size() == 6) {
                        break;
                    }
                }
                runs.add(first);
            }
        }
        for (int k = 0; k < 6; k++) {
            assertArrayEquals(runs.get(0).get(k).indices(), runs.get(1).get(k).indices(), "batch " + k);
            assertArrayEquals(runs.get(0).get(k).images().toFloatArray(), runs.get(1).get(k).images().toFloatArray());
        }
        assertArrayEquals(new int[] {256, 1, 32, 32}, runs.get(0).getFirst().images().shape());
    }

    @Test
    void everyEpochIsAPermutationAndEpochsDiffer() {
        List<Batch> e0 = epoch(2, 0);
        List<Batch> e1 = epoch(2, 1);
        assertEquals(7, e0.size(), "⌈103/16⌉ batches");
        assertEquals(7, e0.getLast().size(), "the short last batch is kept");
        int[] seen = e0.stream().flatMapToInt(b -> Arrays.stream(b.indices())).sorted().toArray();
        int[] all = new int[103];
        Arrays.setAll(all, i -> i);
        assertArrayEquals(all, seen);
        assertFalse(Arrays.equals(e0.getFirst().indices(), e1.getFirst().indices()), "reshuffled per epoch");
        // labels travel with their images; images [B, 1, 4, 5] in [-1, 1]
        Batch b = e0.getFirst();
        assertArrayEquals(new int[] {16, 1, 4, 5}, b.images().shape());
        for (int i = 0; i < b.size(); i++) {
            assertEquals(b.indices()[i] % 3, b.labels().toLongArray()[i]);
        }
        for (float v : b.images().toFloatArray()) {
            assertTrue(v >= -1f && v <= 1f);
        }
    }

    @Test
    void dropLastAndNoShuffle() {
        try (DataLoader loader = DataLoader.builder(new ListDataset(10, 2, 2, "x")).batchSize(4).dropLast(true)
                .build()) {
            assertEquals(2, loader.batchesPerEpoch());
            List<Batch> out = new ArrayList<>();
            loader.epoch(0).forEach(out::add);
            assertEquals(2, out.size());
            assertArrayEquals(new int[] {4, 5, 6, 7}, out.get(1).indices(), "in order without shuffle");
            assertArrayEquals(out.get(1).images().toFloatArray(), loader.batch(0, 1).images().toFloatArray());
        }
    }

    @Test
    void errorsNameTheProblem() {
        Dataset mixed = new ListDataset(8, 3, 3, "x") {
            @Override
            public Sample get(int index) {
                return index == 5 ? new Sample(Image.blank(4, 3, 1), 0) : super.get(index);
            }
        };
        try (DataLoader loader = DataLoader.builder(mixed).batchSize(8).workers(2).build()) {
            String m = assertThrows(IllegalArgumentException.class, () -> loader.epoch(0).iterator().next())
                    .getMessage();
            assertTrue(m.contains("sample 5") && m.contains("[1, 3, 4]") && m.contains("[1, 3, 3]"), m);
        }
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(new ListDataset(3, 2, 2, "x"))
                .batchSize(4).dropLast(true).build());
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(new ListDataset(3, 2, 2, "x"))
                .batchSize(0));
    }
}
