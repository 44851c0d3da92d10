export * from './file-format';
export * from './step-result';
export { checkAgainstSchema } from './schema';
export { flowFileSchema } from './schema-json';
export type { SchemaProblem } from './schema';
export { loadFlowFile, checkFlowFile } from './load';
export type { LoadOptions, LoadedFlowFile, FlowFileCheck } from './load';
export { FlowFileError, FLOW_FILE_ERROR_CODES } from './issues';
export type { FlowFileIssue, FlowFileErrorCode } from './issues';
export type { SourceRange, SourcePosition, DataPath } from './source-map';
export { formatDataPath } from './source-map';
export { parseSecretRef, isSecretRef, findSecretRefs, resolveSecretRef, interpolateSecretRefs } from './secret-ref';
export type { SecretRef, SecretSources } from './secret-ref';
export { findLiteralSecrets } from './literal-secrets';
export { crossCheckFlowFile } from './cross-check';
export {
  renderTemplate,
  renderTemplateString,
  parseTemplate,
  parseExpression,
  evaluateExpression,
  findReferences,
  findStepReferences,
  hasTemplate,
  stringifyValue,
  TEMPLATE_ROOTS,
  TEMPLATE_FILTERS,
} from './template';
export type {
  TemplateExpression,
  TemplatePart,
  TemplateReference,
  RenderOptions,
  TemplateRoot,
  TemplateFilter,
} from './template';
export { evaluateAssertions, assertionSubject, redactValue } from './assertions';
export { compileAssertionRegex } from './assertion-regex';
export type { AssertionResult, EvaluateOptions } from './assertions';
export { selectEnvironment, getFlow, idpIssuer } from './select';
export { closestMatch, editDistance } from './did-you-mean';
