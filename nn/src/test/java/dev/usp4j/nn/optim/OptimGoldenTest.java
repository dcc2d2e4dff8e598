package dev.usp4j.nn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.usp4j.autograd.Tensor;
import dev.usp4j.nn.testing.NamedModel;
import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.golden.Compare;
import dev.usp4j.tensor.golden.GoldenCase;
import dev.usp4j.tensor.golden.GoldenFile;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Optimiser trajectories against PyTorch (gen_optim.py): from the fixture's initial parameters and per-step
 * gradients, 20 steps of SGD / AdamW / LARS with schedules, clipping and the no-decay and layer-decay group rules,
 * the parameters compared after every step (relative error 1e-5), the schedule's lr and the clipped norm too; and
 * DiT's EMA. Every trajectory runs twice: through the fused CPU loops and through the array-op path other devices
 * take.
 */
class OptimGoldenTest {
    private static final double TOL = 1e-5;

    @TestFactory
    Stream<DynamicTest> fusedLoops() {
        return cases(false);
    }

    @TestFactory
    Stream<DynamicTest> arrayOps() {
        return cases(true);
    }

    private static Stream<DynamicTest> cases(boolean arrayOps) {
        return GoldenFile.load("optim").stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            if (c.op().equals("ema")) {
                ema(c);
            } else {
                trajectory(c, arrayOps);
            }
        }));
    }

    @SuppressWarnings("unchecked")
    private static void trajectory(GoldenCase c, boolean arrayOps) {
        List<String> names = (List<String>) c.listArg("params");
        Set<String> frozen = new HashSet<>((List<String>) c.listArg("frozen"));
        Map<String, NDArray> init = new LinkedHashMap<>();
        for (String n : names) {
            init.put(n, c.in("p/" + n).copy());
        }
        NamedModel model = NamedModel.of(init);
        for (String n : frozen) {
            model.param(n).requiresGrad(false);
        }
        List<ParamGroup> groups = groups(c, model);
        Optimizer opt = optimizer((Map<String, Object>) c.args().get("optimizer"), groups);
        opt.forceArrayOps = arrayOps;
        Map<String, Object> scheduleArgs = (Map<String, Object>) c.args().get("schedule");
        WarmupCosine schedule = schedule(scheduleArgs);
        int iters = schedule == null ? 0 : num(scheduleArgs.get("iters")).intValue();
        Map<String, Object> clip = (Map<String, Object>) c.args().get("clip");
        Map<String, List<Number>> noGrad = (Map<String, List<Number>>) c.args().get("no_grad");
        List<Number> lrs = (List<Number>) c.listArg("lrs");
        List<Number> norms = (List<Number>) c.listArg("norms");
        int steps = c.intArg("steps");
        for (int s = 1; s <= steps; s++) {
            for (String n : names) {
                Tensor p = model.param(n);
                boolean skip = noGrad.containsKey(n) && contains(noGrad.get(n), s);
                p.setGrad(skip ? null : c.in("g/" + n).select(0, s - 1).copy());
            }
            String at = c.name() + " step " + s;
            if (schedule != null) {
                double lr = schedule.apply(opt, (s - 1) / iters, (s - 1) % iters, iters);
                Compare.assertClose(lr, lrs.get(s - 1).doubleValue(), 1e-14, at + " lr");
            }
            if (clip != null) {
                double total = GradientClipping.clipGradNorm(model.parameters(), num(clip.get("max_norm")),
                        normType(clip.get("norm_type")), false);
                double expected = norms.get(s - 1).doubleValue();
                assertEquals(expected, total, 2e-6 * Math.max(1, Math.abs(expected)), at + " total norm");
            }
            opt.step();
            for (String n : names) {
                Compare.assertClose(model.param(n).data(), c.out("p/" + n).select(0, s - 1), TOL, at + " " + n);
            }
        }
    }

    private static boolean contains(List<Number> steps, int s) {
        for (Number x : steps) {
            if (x.intValue() == s) {
                return true;
            }
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    private static List<ParamGroup> groups(GoldenCase c, NamedModel model) {
        List<Map<String, Object>> expected = (List<Map<String, Object>>) c.listArg("groups");
        Map<String, Object> rule = (Map<String, Object>) c.args().get("group_rule");
        if (rule == null) {
            List<ParamGroup> groups = new ArrayList<>();
            for (Map<String, Object> g : expected) {
                List<Tensor> ps = new ArrayList<>();
                for (Object n : (List<Object>) g.get("params")) {
                    ps.add(model.param((String) n));
                }
                groups.add(new ParamGroup((String) g.get("name"), ps, num(g.get("lr")), num(g.get("weight_decay")),
                        num(g.get("lr_scale"))));
            }
            return groups;
        }
        Set<String> skip = new HashSet<>((List<String>) rule.get("skip"));
        double wd = num(rule.get("weight_decay"));
        List<ParamGroup> groups = switch ((String) rule.get("type")) {
            case "weight_decay" -> ParamGroups.weightDecay(model, 0.0, wd, skip);
            case "layer_decay" -> ParamGroups.layerDecay(model, 0.0, wd, skip, num(rule.get("layer_decay")));
            default -> throw new IllegalArgumentException(rule.toString());
        };
        // The rule must give the groups the Python reference gave: names, members in order, decay and scale.
        Map<Tensor, String> nameOf = new IdentityHashMap<>();
        model.namedParameters().forEach((n, t) -> nameOf.put(t, n));
        assertEquals(expected.size(), groups.size(), c.name() + ": number of groups");
        for (int i = 0; i < groups.size(); i++) {
            ParamGroup got = groups.get(i);
            Map<String, Object> want = expected.get(i);
            assertEquals(want.get("name"), got.name(), c.name() + ": group " + i + " name");
            assertEquals(want.get("params"), got.params().stream().map(nameOf::get).toList(),
                    c.name() + ": group " + got.name() + " members");
            assertEquals(num(want.get("weight_decay")), got.weightDecay(), 0.0, c.name() + ": " + got.name() + " wd");
            assertEquals(num(want.get("lr_scale")), got.lrScale(), 1e-15, c.name() + ": " + got.name() + " scale");
        }
        return groups;
    }

    @SuppressWarnings("unchecked")
    private static Optimizer optimizer(Map<String, Object> o, List<ParamGroup> groups) {
        return switch ((String) o.get("type")) {
            case "sgd" -> new SGD(groups, num(o.get("momentum")), num(o.get("dampening")), (Boolean) o.get("nesterov"));
            case "adamw" -> {
                List<Number> betas = (List<Number>) o.get("betas");
                yield new AdamW(groups, betas.get(0).doubleValue(), betas.get(1).doubleValue(), num(o.get("eps")));
            }
            case "lars" -> new LARS(groups, num(o.get("momentum")), num(o.get("trust")));
            default -> throw new IllegalArgumentException(o.toString());
        };
    }

    private static WarmupCosine schedule(Map<String, Object> s) {
        return s == null ? null : new WarmupCosine(num(s.get("lr")), num(s.get("min_lr")), num(s.get("warmup")),
                num(s.get("epochs")));
    }

    private static double normType(Object o) {
        return num(o);
    }

    private static Double num(Object o) {
        if (o instanceof String s) {
            return switch (s) {
                case "inf" -> Double.POSITIVE_INFINITY;
                default -> Double.parseDouble(s);
            };
        }
        return ((Number) o).doubleValue();
    }

    @SuppressWarnings("unchecked")
    private static void ema(GoldenCase c) {
        List<String> names = (List<String>) c.listArg("params");
        Map<String, NDArray> init = new LinkedHashMap<>();
        for (String n : names) {
            init.put(n, c.in("p0/" + n).copy());
        }
        NamedModel model = NamedModel.of(init);
        EMA ema = new EMA(model, c.doubleArg("decay"));
        for (int s = 1; s <= c.intArg("steps"); s++) {
            for (String n : names) {
                model.param(n).data().copyFrom(c.in("p" + s + "/" + n));
            }
            ema.update(model);
            for (String n : names) {
                Compare.assertClose(ema.get(n), c.out("e" + s + "/" + n), TOL, c.name() + " step " + s + " " + n);
            }
        }
    }
}
