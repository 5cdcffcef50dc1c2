export { recordCertAssociation, type AssociationFact } from './cert-association.writer';
