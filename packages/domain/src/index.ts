export { domainErrorCodes, type DomainErrorCode, DomainError, isDomainError } from './shared/errors.ts';
