package dev.usp4j.data.transforms;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.usp4j.data.Image;
import dev.usp4j.tensor.random.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad sizes, padding, fills, crops and probabilities fail with messages naming the transform and the values. */
class TransformErrorsTest {
    private static final Image RGB = Image.blank(37, 23, 3);
    private static final Image GREY = Image.blank(23, 37, 1);

    private static void fails(Executable e, String... parts) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String p : parts) {
            assertTrue(ex.getMessage().contains(p), "message '" + ex.getMessage() + "' lacks '" + p + "'");
        }
    }

    @Test
    void badSizes() {
        fails(() -> Resize.to(0, 5, Filter.BILINEAR), "Resize", "0×5");
        fails(() -> Resize.shorterSide(-3, Filter.BICUBIC), "Resize", "-3");
        fails(() -> Resampler.resize(RGB, 4, 0, Filter.BOX), "resize", "4×0", "37×23");
        fails(() -> CenterCrop.square(0), "CenterCrop", "0×0");
        fails(() -> new AdmCenterCrop(0), "AdmCenterCrop", "0");
        fails(() -> new RandomResizedCrop(16, -1, 0.2, 1, 0.75, 1.33, Filter.BICUBIC), "RandomResizedCrop", "16×-1");
        fails(() -> Filter.ofPilCode(1), "code 1");
    }

    @Test
    void badPaddingAndFill() {
        fails(() -> Pad.of(-1, 0, 2, 0), "Pad", "left -1");
        fails(() -> Pad.all(2, 300), "Pad", "300");
        fails(() -> Pad.all(2, 1, 2), "Pad", "got 2");
        fails(() -> Pad.all(1, 10, 20, 30).apply(GREY, new Generator(0)), "Pad", "RGB fill", "23×37");
        fails(() -> Images.pad(RGB, 0, 0, 0, -2, new int[] {0}), "pad", "bottom -2");
    }

    @Test
    void cropLargerThanImageNamesTheSizes() {
        fails(() -> CenterCrop.strict(40, 30).apply(RGB, new Generator(0)), "CenterCrop", "40×30", "37×23");
        fails(() -> Images.crop(RGB, 10, 5, 20, 8), "crop", "8×20", "left 5", "top 10", "37×23");
        RandomResizedCrop rrc = RandomResizedCrop.mae(16);
        fails(() -> rrc.cropAndResize(GREY, new RandomResizedCrop.Params(0, 0, 38, 23)), "crop", "23×38", "23×37");
    }

    @Test
    void badRandomParameters() {
        fails(() -> new RandomHorizontalFlip(1.5), "RandomHorizontalFlip", "1.5");
        fails(() -> new RandomHorizontalFlip(Double.NaN), "RandomHorizontalFlip", "NaN");
        fails(() -> new RandomResizedCrop(8, 8, 0.5, 0.2, 0.75, 1.33, Filter.BICUBIC), "scale", "(0.5, 0.2)");
        fails(() -> new RandomResizedCrop(8, 8, 0.2, 1, 0, 1.33, Filter.BICUBIC), "ratio", "(0.0, 1.33)");
    }
}
