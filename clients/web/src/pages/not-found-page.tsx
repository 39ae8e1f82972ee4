/** Routes kept ready for features whose APIs come later: an honest empty state, never sample data. */
export function EmptyFeaturePage({ title, text }: { title: string; text: string }) {
  return (
    <section class="page">
      <h1>{title}</h1>
      <p class="empty">{text}</p>
    </section>
  );
}
