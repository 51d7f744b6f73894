// esbuild's `text` loader turns a style sheet into its text (see scripts/build.mjs).
declare module '*.css' {
  const text: string;
  export default text;
}
