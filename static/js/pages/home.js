// "/": each role lands on its own first page.
export async function render(ctx) {
  ctx.navigate(ctx.homePath(), { replace: true });
}
