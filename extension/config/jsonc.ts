// jsonc-parser, through its ES module build. The package's "main" is a UMD build whose inner requires
// esbuild cannot follow: bundled, it fails at load with "Cannot find module './impl/format'".
export { findNodeAtLocation, parse, parseTree, printParseErrorCode } from 'jsonc-parser/lib/esm/main';
export type { JSONPath, Node, ParseError } from 'jsonc-parser/lib/esm/main';
