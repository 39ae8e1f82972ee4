import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FizzBuzzTest {
    @Test
    void oneIsOne() {
        assertEquals("1", FizzBuzz.of(1));
    }

    @Test
    void threeIsFizz() {
        assertEquals("Fizz", FizzBuzz.of(3));
    }
}
