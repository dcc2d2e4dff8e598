package dev.usp4j.tensor;

import static dev.usp4j.tensor.ErrorMessages.assertFails;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Errors of the indexing, sorting and joining ops name the op, the offending value or shapes, and the limit. */
class IndexMessagesTest {

    private static final NDArray X = NDArray.zeros(4, 5);

    @Test
    void outOfRangeIndexNamesOpIndexAndExtent() {
        assertFails(IndexOutOfBoundsException.class, () -> X.indexSelect(1, NDArray.of(new long[] {0, 7})),
                "index_select", "index 7", "extent 5");
        assertFails(IndexOutOfBoundsException.class, () -> X.indexSelect(0, NDArray.of(new int[] {-1})),
                "index_select", "index -1", "extent 4");
        assertFails(IndexOutOfBoundsException.class, () -> X.gather(0, NDArray.of(new long[] {1, 9}, 1, 2)),
                "gather", "index 9", "extent 4");
        assertFails(IndexOutOfBoundsException.class,
                () -> X.scatterAdd(1, NDArray.of(new long[] {5}, 1, 1), NDArray.ones(1, 1)),
                "scatter_add", "index 5", "extent 5");
        assertFails(IndexOutOfBoundsException.class, () -> NDArray.of(new long[] {0, 3}).oneHot(3),
                "one_hot", "index 3", "extent 3");
    }

    @Test
    void badIndexArraysAreRejected() {
        assertFails(IllegalArgumentException.class, () -> X.indexSelect(0, NDArray.of(new float[] {0})),
                "index_select", "I32 or I64", "F32");
        assertFails(IllegalArgumentException.class, () -> X.indexSelect(0, NDArray.zeros(DType.I64, 2, 2)),
                "index_select", "0-d or 1-D", "[2, 2]");
        assertFails(IllegalArgumentException.class, () -> X.gather(1, NDArray.zeros(DType.I64, 5)),
                "gather", "[5]", "[4, 5]");
        assertFails(IllegalArgumentException.class, () -> X.gather(1, NDArray.zeros(DType.I64, 6, 2)),
                "gather", "[6, 2]", "[4, 5]", "dim 0");
        assertFails(IllegalArgumentException.class,
                () -> X.to(DType.BF16).contiguous().scatterAddInPlace(0, NDArray.zeros(DType.I64, 1, 1),
                        NDArray.ones(1, 1)), "scatter_add", "BF16");
    }

    @Test
    void catNamesBothShapes() {
        assertFails(IllegalArgumentException.class,
                () -> NDArray.cat(List.of(NDArray.zeros(2, 3), NDArray.zeros(2, 4)), 0),
                "cat", "array 1", "[2, 4]", "array 0", "[2, 3]", "dim 0");
        assertFails(IllegalArgumentException.class,
                () -> NDArray.cat(List.of(NDArray.zeros(0), NDArray.zeros(2, 3), NDArray.zeros(3)), 1),
                "cat", "array 2", "[3]", "array 1", "[2, 3]", "ranks");
        assertFails(IllegalArgumentException.class,
                () -> NDArray.cat(List.of(NDArray.scalar(1), NDArray.scalar(2)), 0), "cat", "zero-dimensional");
        assertFails(IllegalArgumentException.class,
                () -> NDArray.stack(List.of(NDArray.zeros(2, 3), NDArray.zeros(3, 2)), 0),
                "stack", "[3, 2]", "[2, 3]");
    }

    @Test
    void splitsAndSortsCheckTheirArguments() {
        assertFails(IllegalArgumentException.class, () -> X.split(new int[] {2, 2}, 1), "split", "[2, 2]",
                "add up to 4", "extent 5");
        assertFails(IllegalArgumentException.class, () -> X.split(0, 1), "split", "positive");
        assertFails(IllegalArgumentException.class, () -> X.chunk(0, 1), "chunk", "positive");
        assertFails(IllegalArgumentException.class, () -> NDArray.scalar(1).chunk(1, 0), "chunk", "0-d");
        assertFails(IllegalArgumentException.class, () -> NDArray.scalar(1).unbind(0), "unbind", "0-d");
        assertFails(IllegalArgumentException.class, () -> X.topk(6, 1, true, true), "topk", "k=6", "extent 5");
        assertFails(IllegalArgumentException.class, () -> X.sort(2, false), "sort", "dim 2");
        assertFails(IllegalArgumentException.class, () -> X.gt(0).sort(0, false), "sort", "BOOL");
        assertFails(IllegalArgumentException.class, () -> NDArray.of(new long[] {}).oneHot(-1), "one_hot",
                "num_classes");
    }
}
