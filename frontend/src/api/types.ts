// Short names for the generated schema types the screens use.
import type { components } from './schema';

type Schemas = components['schemas'];

export type AuthResponse = Schemas['AuthResponse'];
export type SecondFactorPending = Schemas['SecondFactorPending'];
export type SecondFactorMethod = Schemas['SecondFactorMethod'];
export type Identity = Schemas['IdentityView'];
export type DocumentView = Schemas['DocumentView'];
export type DocumentSummary = Schemas['DocumentSummary'];
export type DocumentPage = Schemas['DocumentPage'];
export type Collaborator = Schemas['Collaborator'];
export type ShareRole = Schemas['ShareRole'];
export type GroupSummary = Schemas['GroupSummary'];
export type GroupView = Schemas['GroupView'];
export type Member = Schemas['Member'];
export type PasswordChanged = Schemas['PasswordChanged'];
export type EmailChanged = Schemas['EmailChanged'];
export type EmailRestored = Schemas['EmailRestored'];
export type SessionListItem = Schemas['SessionListItem'];
export type SecondFactorStatus = Schemas['SecondFactorStatus'];
export type TotpSetup = Schemas['TotpSetup'];
export type RecoveryCodesView = Schemas['RecoveryCodesView'];
export type SecurityNotices = Schemas['SecurityNotices'];
export type NoticeKind = Schemas['NoticeKind'];
export type ActivityEvent = Schemas['ActivityEvent'];
export type ActivityKind = Schemas['ActivityKind'];
export type LinkedProvidersView = Schemas['LinkedProvidersView'];
export type LinkedProviderView = Schemas['LinkedProviderView'];
