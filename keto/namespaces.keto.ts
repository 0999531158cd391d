// Ory Keto v0.14.0 namespaces, in the Ory Permission Language (a TypeScript subset).
// Type-check: (cd keto && npm ci && npx tsc --noEmit -p .)
//
// Subjects are users or group memberships. A user is the subject set `User:<kratos identity id>`
// with an empty relation, e.g. {"subject_set": {"namespace": "User", "object": ID, "relation": ""}}.
import { Namespace, SubjectSet, Context } from "@ory/keto-namespace-types"

class User implements Namespace {}

// The demo app: App:home#view guards the home page.
class App implements Namespace {
  related: {
    viewers: User[]
  }

  permits = {
    view: (ctx: Context): boolean => this.related.viewers.includes(ctx.subject),
  }
}

class Group implements Namespace {
  related: {
    owners: User[]
    // People, plus the subject set Group:<id>#owners that the backend writes when it
    // creates the group: that one tuple makes every owner a member, so a document
    // shared with Group:<id>#members reaches the owners too.
    members: (User | SubjectSet<Group, "owners">)[]
  }

  permits = {
    // See the group and its members, share documents into it.
    view: (ctx: Context): boolean =>
      this.related.members.includes(ctx.subject) ||
      this.related.owners.includes(ctx.subject),
    // Add and remove members, delete the group.
    manage: (ctx: Context): boolean => this.related.owners.includes(ctx.subject),
  }
}

class Document implements Namespace {
  related: {
    owners: User[]
    editors: (User | SubjectSet<Group, "members">)[]
    viewers: (User | SubjectSet<Group, "members">)[]
  }

  permits = {
    view: (ctx: Context): boolean =>
      this.related.viewers.includes(ctx.subject) || this.permits.edit(ctx),
    edit: (ctx: Context): boolean =>
      this.related.editors.includes(ctx.subject) ||
      this.related.owners.includes(ctx.subject),
    share: (ctx: Context): boolean => this.related.owners.includes(ctx.subject),
    delete: (ctx: Context): boolean => this.related.owners.includes(ctx.subject),
  }
}
