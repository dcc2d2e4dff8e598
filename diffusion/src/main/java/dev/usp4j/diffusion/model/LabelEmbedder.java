package dev.usp4j.diffusion.model;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.Embedding;
import dev.usp4j.nn.Module;
import dev.usp4j.tensor.DType;
import dev.usp4j.tensor.Device;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.random.Generator;
import java.util.Arrays;

/**
 * DiT's {@code y_embedder}: class labels → rows of {@code embedding_table}, which has num_classes + 1 rows when
 * class dropout is on (row num_classes is the null class that classifier-free guidance feeds). While training with
 * dropout each label becomes the null class with probability {@code class_dropout_prob}, decided by uniform draws
 * from a {@link Generator}; {@code forceDropIds} (1 = drop) fixes the decisions instead, in training or not, as
 * DiT's {@code force_drop_ids} does.
 */
public final class LabelEmbedder extends Module {
    public final Embedding embeddingTable;
    private final int numClasses;
    private final double dropoutProb;
    private Generator generator;

    public LabelEmbedder(int numClasses, int hiddenSize, double dropoutProb) {
        this.numClasses = numClasses;
        this.dropoutProb = dropoutProb;
        this.embeddingTable = registerModule("embedding_table",
                new Embedding(numClasses + (dropoutProb > 0 ? 1 : 0), hiddenSize));
    }

    public int numClasses() {
        return numClasses;
    }

    public double dropoutProb() {
        return dropoutProb;
    }

    /** The generator of the training-time drop decisions (null: the default generator at each draw). */
    public LabelEmbedder setGenerator(Generator gen) {
        this.generator = gen;
        return this;
    }

    /** Labels with the dropped ones replaced by the null class: {@code forceDropIds == 1}, or uniform draws < p. */
    public NDArray tokenDrop(NDArray labels, NDArray forceDropIds) {
        int n = labels.size(0);
        boolean onDevice = labels.device().type() != Device.Type.CPU;
        boolean[] drop = null;
        if (forceDropIds == null) {
            if (!onDevice) {
                Generator gen = generator != null ? generator : Generator.defaultGenerator();
                drop = NDArray.rand(gen, n).lt(dropoutProb).toBooleanArray();
            }
        } else {
            if (forceDropIds.rank() != 1 || forceDropIds.size(0) != n) {
                throw new IllegalArgumentException("LabelEmbedder: force_drop_ids must have shape [" + n
                        + "] like the labels, got " + Arrays.toString(forceDropIds.shape()));
            }
            if (!onDevice || dropoutProb <= 0) {  // on a device only read to report a drop with no null class
                drop = forceDropIds.eq(1).toBooleanArray();
            }
        }
        for (int i = 0; drop != null && i < n; i++) {
            if (drop[i] && dropoutProb <= 0) {
                throw new IllegalArgumentException("LabelEmbedder(" + numClasses + " classes): dropping label " + i
                        + " needs the null-class row, which exists only with class_dropout_prob > 0");
            }
        }
        if (onDevice) {
            // labels + drop · (null class − labels), in integer kernels there: the labels are never read back.
            NDArray l = labels.to(DType.I64);
            NDArray m;
            if (forceDropIds == null) {  // drawn there: the same numbers as the CPU's draw, and no upload
                Generator gen = generator != null ? generator : Generator.defaultGenerator();
                m = NDArray.rand(gen, labels.device(), n).lt(dropoutProb).to(DType.I64);
            } else {
                m = forceDropIds.eq(1).to(DType.I64);
            }
            return l.add(NDArray.full(DType.I64, labels.device(), numClasses, n).sub(l).mul(m));
        }
        long[] out = labels.toLongArray();
        for (int i = 0; i < n; i++) {
            if (drop[i]) {
                out[i] = numClasses;
            }
        }
        return NDArray.of(out, n).to(labels.device());
    }

    /** [N] integer labels → [N, D]; dropping as the class says for {@code train} and {@code forceDropIds}. */
    public Tensor forward(NDArray labels, boolean train, NDArray forceDropIds) {
        if (labels.rank() != 1 || labels.dtype().isFloating() || labels.dtype() == DType.BOOL) {
            throw new IllegalArgumentException("LabelEmbedder(" + numClasses + " classes): expects a 1-D integer"
                    + " array of N labels, got " + labels.dtype() + " of shape " + Arrays.toString(labels.shape()));
        }
        if ((train && dropoutProb > 0) || forceDropIds != null) {
            labels = tokenDrop(labels, forceDropIds);
        }
        int rows = embeddingTable.numEmbeddings();
        java.util.function.LongFunction<String> outside = l -> "LabelEmbedder(" + numClasses + " classes): label "
                + l + " outside [0, " + rows + ")" + (rows > numClasses ? " (" + numClasses + " is the null class)"
                : "");
        if (labels.device().type() != Device.Type.CPU) {
            labels.checkRange(0, rows, outside);  // reported at the next read: the labels are not read back
        } else {
            for (long l : labels.toLongArray()) {
                if (l < 0 || l >= rows) {
                    throw new IllegalArgumentException(outside.apply(l));
                }
            }
        }
        return embeddingTable.forward(labels);
    }
}
