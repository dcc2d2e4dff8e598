package dev.usp4j.tensor;

import static dev.usp4j.tensor.ErrorMessages.assertFails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Layout, in-place semantics, element access, printing and the error messages of the core. */
class NDArrayCoreTest {

    @Test
    void viewsShareStorageAndCopiesDoNot() {
        NDArray a = NDArray.arange(0.0, 24.0, 1.0).reshape(2, 3, 4);
        NDArray t = a.transpose(0, 2);
        assertSame(a.storage(), t.storage());
        assertFalse(t.isContiguous());
        assertSame(a, a.contiguous());
        NDArray c = t.contiguous();
        assertNotSame(a.storage(), c.storage());
        assertTrue(c.isContiguous());
        assertEquals(a.get(1, 2, 3), t.get(3, 2, 1));
        a.set(-1, 1, 2, 3);
        assertEquals(-1.0, t.get(3, 2, 1));
        assertEquals(23.0, c.get(3, 2, 1), "a contiguous copy is independent");
    }

    @Test
    void inPlaceOpsWriteThroughAndCountVersions() {
        NDArray a = NDArray.zeros(3, 4);
        int v0 = a.storage().version();
        a.addInPlace(NDArray.arange(0.0, 4.0, 1.0));
        a.narrow(0, 1, 1).mulInPlace(10);
        assertArrayEquals(new float[] {0, 1, 2, 3, 0, 10, 20, 30, 0, 1, 2, 3}, a.toFloatArray());
        assertTrue(a.storage().version() > v0);
        assertFails(RuntimeException.class, () -> NDArray.zeros(4).addInPlace(NDArray.ones(3, 4)),
                "add_", "[3, 4]", "[4]");
        assertFails(RuntimeException.class, () -> NDArray.zeros(1, 4).expand(3, 4).addInPlace(NDArray.ones(4)),
                "stride-0");
        NDArray ints = NDArray.of(new long[] {1, 2});
        assertFails(RuntimeException.class, () -> ints.addInPlace(NDArray.ones(2)), "in-place", "I64");
    }

    @Test
    void elementAccessAndPrinting() {
        NDArray a = NDArray.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertEquals(6.0, a.get(1, 2));
        assertEquals(21.0, a.sum().item());
        assertEquals("tensor([[1.0000, 2.0000, 3.0000],\n        [4.0000, 5.0000, 6.0000]])", a.toString());
        assertEquals("tensor([True, False], dtype=bool)", NDArray.of(new boolean[] {true, false}).toString());
        assertEquals("tensor([], size=[0, 2])", NDArray.zeros(0, 2).toString());
        assertFails(RuntimeException.class, a::item, "item", "[2, 3]");
        assertFails(RuntimeException.class, () -> a.get(1), "index", "2-d");
        assertFails(RuntimeException.class, () -> NDArray.of(new float[] {1, 2, 3}, 2, 2), "3 values", "[2, 2]");
    }

    @Test
    void layoutErrorsNameTheOpAndShapes() {
        NDArray a = NDArray.zeros(2, 3, 4);
        assertFails(RuntimeException.class, () -> a.add(NDArray.zeros(5)), "add", "[2, 3, 4]", "[5]", "dim -1: 4 vs 5");
        assertFails(RuntimeException.class, () -> a.transpose(0, 1).view(6, 4), "view", "[3, 2, 4]", "reshape");
        assertFails(RuntimeException.class, () -> a.reshape(5, -1), "reshape", "[5, -1]", "[2, 3, 4]");
        assertFails(RuntimeException.class, () -> a.reshape(-1, -1), "only one dimension can be -1");
        assertFails(RuntimeException.class, () -> a.permute(0, 1), "permute", "[0, 1]", "[2, 3, 4]");
        assertFails(RuntimeException.class, () -> a.permute(0, 1, 1), "permute", "repeated");
        assertFails(RuntimeException.class, () -> a.narrow(2, 3, 2), "narrow", "[3, 5)", "extent 4");
        assertFails(RuntimeException.class, () -> a.expand(2, 5, 4), "expand", "dim 1: 3 vs 5");
        assertFails(RuntimeException.class, () -> a.sum(3), "sum", "dim 3", "[-3, 2]");
        assertFails(RuntimeException.class, () -> a.select(1, 3), "select", "index 3", "extent 3");
        assertFails(RuntimeException.class, () -> a.t(), "t", "[2, 3, 4]");
        NDArray flags = NDArray.of(new boolean[] {true});
        assertFails(RuntimeException.class, () -> flags.add(flags), "add", "BOOL", "logical");
        assertFails(RuntimeException.class, () -> flags.exp(), "exp", "BOOL");
        assertFails(RuntimeException.class, () -> NDArray.zeros(-1), "negative");
        assertFails(RuntimeException.class, () -> NDArray.zeros(65536, 65536), "2^31-1");
        assertFails(RuntimeException.class, () -> Device.parse("gpu"), "gpu");
        assertFails(RuntimeException.class, () -> NDArray.arange(0.0, 1.0, 0.0), "arange", "step=0.0");
    }

    @Test
    void dtypePromotionFollowsPyTorchCategories() {
        assertEquals(DType.F32, DType.promote(DType.I64, DType.BF16));
        assertEquals(DType.I64, DType.promote(DType.I32, DType.I64));
        assertEquals(DType.I32, DType.promote(DType.BOOL, DType.I32));
        NDArray i = NDArray.of(new int[] {1, 2, 3});
        assertEquals(DType.I32, i.add(2).dtype());
        assertEquals(DType.F32, i.add(0.5).dtype());
        assertEquals(DType.F32, i.div(2).dtype());
        assertEquals(DType.BOOL, i.gt(1).dtype());
    }

    @Test
    void unsqueezeSqueezeFlattenRoundTrip() {
        NDArray a = NDArray.arange(0.0, 12.0, 1.0).reshape(3, 4);
        assertArrayEquals(new int[] {3, 1, 4}, a.unsqueeze(1).shape());
        assertArrayEquals(new int[] {3, 4, 1}, a.unsqueeze(-1).shape());
        assertArrayEquals(new int[] {3, 4}, a.unsqueeze(0).unsqueeze(3).squeeze().shape());
        assertArrayEquals(new int[] {12}, a.flatten().shape());
        assertSame(a.storage(), a.flatten().storage());
        assertArrayEquals(new int[] {3, 2, 2}, a.unflatten(1, 2, -1).shape());
        assertArrayEquals(new int[] {4, 3}, a.mT().shape());
        assertArrayEquals(a.toFloatArray(), a.t().t().toFloatArray());
    }
}
