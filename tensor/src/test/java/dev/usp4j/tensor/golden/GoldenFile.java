package dev.usp4j.tensor.golden;

import dev.usp4j.tensor.NDArray;
import dev.usp4j.tensor.io.Json;
import dev.usp4j.tensor.io.Safetensors;
import dev.usp4j.tensor.io.SafetensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Loads {@code golden/<group>.safetensors} from the test classpath and turns it into {@link GoldenCase}s. */
public final class GoldenFile {
    private GoldenFile() {
    }

    @SuppressWarnings("unchecked")
    public static List<GoldenCase> load(String group) {
        URL url = GoldenFile.class.getResource("/golden/" + group + ".safetensors");
        if (url == null) {
            throw new IllegalStateException("missing fixture golden/" + group + ".safetensors; generate it with"
                    + " tensor/src/test/python/gen_" + group + ".py");
        }
        try (SafetensorsFile f = Safetensors.open(Path.of(url.toURI()))) {
            List<GoldenCase> cases = new ArrayList<>();
            for (Map.Entry<String, String> e : f.metadata().entrySet()) {
                String name = e.getKey();
                Map<String, Object> spec = Json.parseObject(e.getValue());
                Map<String, Object> views = (Map<String, Object>) spec.getOrDefault("views", Map.of());
                Map<String, NDArray> inputs = new LinkedHashMap<>();
                Map<String, NDArray> bases = new LinkedHashMap<>();
                Map<String, List<?>> chains = new LinkedHashMap<>();
                for (Object k : (List<Object>) spec.get("inputs")) {
                    NDArray base = f.get(name + "/in/" + k);
                    bases.put((String) k, base);
                    chains.put((String) k, (List<?>) views.get(k));
                    inputs.put((String) k, Views.apply(base, (List<?>) views.get(k)));
                }
                Map<String, NDArray> outputs = new LinkedHashMap<>();
                for (Object k : (List<Object>) spec.get("outputs")) {
                    outputs.put((String) k, f.get(name + "/out/" + k));
                }
                Object tol = spec.get("tol");
                cases.add(new GoldenCase(name, (String) spec.get("op"),
                        (Map<String, Object>) spec.getOrDefault("args", Map.of()), inputs, outputs,
                        tol == null ? null : ((Number) tol).doubleValue(), bases, chains));
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
