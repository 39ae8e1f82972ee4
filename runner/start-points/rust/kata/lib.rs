pub mod fizz_buzz;

#[cfg(test)]
mod tests;
