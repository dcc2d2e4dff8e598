package dev.usp4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Python's repr of floats and tuples as layers print them (the expected strings are CPython's). */
class PyReprTest {

    @Test
    void floatsLikePython() {
        String[][] cases = {{"1e-06", "1e-6"}, {"1e-05", "1e-5"}, {"0.0001", "1e-4"}, {"0.1", "0.1"}, {"1.0", "1"},
            {"100.0", "100"}, {"-2.5", "-2.5"}, {"1.5e-07", "1.5e-7"}, {"123456.789", "123456.789"},
            {"1234567890123456.0", "1234567890123456"}, {"1e+16", "1e16"}, {"1.25e+22", "1.25e22"},
            {"0.30000000000000004", "0.30000000000000004"}, {"0.0", "0"}, {"-0.0", "-0"}, {"inf", "Infinity"},
            {"nan", "NaN"}, {"0.18215", "0.18215"}, {"2.4e-05", "2.4e-5"}};
        for (String[] c : cases) {
            assertEquals(c[0], PyRepr.of(Double.parseDouble(c[1])), c[1]);
        }
    }

    @Test
    void tuplesAndBooleans() {
        assertEquals("(384,)", PyRepr.tuple(384));
        assertEquals("(3, 3)", PyRepr.tuple(3, 3));
        assertEquals("()", PyRepr.tuple());
        assertEquals("True", PyRepr.of(true));
        assertEquals("False", PyRepr.of(false));
    }
}
