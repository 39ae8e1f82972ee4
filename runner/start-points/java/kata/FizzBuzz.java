public class FizzBuzz {
    public static String of(int number) {
        return String.valueOf(number);
    }
}
