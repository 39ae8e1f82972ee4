export function fizzBuzz(number: number): string {
  return String(number);
}
