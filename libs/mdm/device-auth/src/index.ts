export { DeviceCertError } from './device-cert.error';
export { certHash } from './cert-hash';
export { signerFromMdmSignature } from './mdm-signature';
export { certificateFromHeader, type CertificateFromHeader } from './cert-header';
export { DeviceCertVerifier, type DeviceCertVerifierOptions, type VerifiedCert } from './cert-verifier';
export {
  decideAssociation,
  type AssociationDecision,
  type AssociationInput,
  type AssociationRejection,
} from './association.decider';
export { DeviceAuthenticator, type DeviceAuthenticatorOptions, type RequestHeaders } from './device-authenticator';
