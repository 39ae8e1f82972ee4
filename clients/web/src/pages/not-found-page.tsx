export function NotFoundPage({ path }: { path: string }) {
  return (
    <section class="page">
      <h1>Not found</h1>
      <p class="empty">Nothing lives at “{path}”.</p>
      <a href="#/pocs">Back to the POCs</a>
    </section>
  );
}
