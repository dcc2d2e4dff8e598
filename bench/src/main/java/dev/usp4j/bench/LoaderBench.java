package dev.usp4j.bench;

import dev.usp4j.data.Batch;
import dev.usp4j.data.DataLoader;
import dev.usp4j.data.Dataset;
import dev.usp4j.data.datasets.FashionMnist;
import dev.usp4j.data.transforms.Pad;
import dev.usp4j.data.transforms.RandomHorizontalFlip;
import java.util.Locale;

/**
 * How fast the loader feeds a trainer: Fashion-MNIST's 60,000 training images padded to 32×32, randomly flipped and
 * scaled to [−1, 1] (the pipeline's transform), in shuffled batches of 256, timed over whole epochs for each worker
 * count after one warm-up epoch. Prints images/s and ms per batch; the consumer only touches each batch's sum, so
 * this is the rate a trainer faster than the loader would see.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp "bench/target/classes:bench/target/lib/*"
 * dev.usp4j.bench.LoaderBench [workers=0,1,2,4] [epochs=2] [batch=256]}.
 */
public final class LoaderBench {
    private LoaderBench() {
    }

    public static void main(String[] args) {
        String workerList = "0,1,2,4";
        int epochs = 2;
        int batch = 256;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "workers" -> workerList = kv[1];
                case "epochs" -> epochs = Integer.parseInt(kv[1]);
                case "batch" -> batch = Integer.parseInt(kv[1]);
                default -> throw new IllegalArgumentException("unknown argument '" + a + "' (workers=, epochs=, batch=)");
            }
        }
        long t0 = System.nanoTime();
        Dataset train = FashionMnist.standard(true);
        System.out.printf(Locale.ROOT, "%s: %d images loaded in %.2f s%n", train.name(), train.size(),
                (System.nanoTime() - t0) / 1e9);
        for (String w : workerList.split(",")) {
            int workers = Integer.parseInt(w.trim());
            try (DataLoader loader = DataLoader.builder(train).batchSize(batch).shuffle(0).dropLast(true)
                    .workers(workers).prefetch(Math.max(2, 2 * workers))
                    .transform(Pad.all(2).then(RandomHorizontalFlip.half())).build()) {
                double check = 0;
                for (Batch b : loader.epoch(0)) {
                    check += b.images().sum().item();
                }
                long start = System.nanoTime();
                long images = 0;
                for (int e = 1; e <= epochs; e++) {
                    for (Batch b : loader.epoch(e)) {
                        images += b.size();
                        check += b.images().sum().item();
                    }
                }
                double s = (System.nanoTime() - start) / 1e9;
                System.out.printf(Locale.ROOT, "workers %d: %,.0f images/s (%.2f ms per batch of %d, %d epochs;"
                        + " checksum %.1f)%n", workers, images / s, 1e3 * s / (images / batch), batch, epochs, check);
            }
        }
    }
}
