// Package verb stores relations between entities. A verb is a set of (subject, object)
// edges between entities of the same store, kept in two B-trees so that both directions
// are range scans:
//
//	forward   subject (8 bytes, big-endian) ++ object (8) → ∅
//	reverse   object (8) ++ subject (8)                   → ∅
//
// Both trees belong to one catalog variable (role store.RoleVerb), tagged with the verb's
// name in the page meter. [Verb.Objects] of a subject with d objects reads about
// height + d / 254 pages of the forward tree (254 edges fill a leaf); [Verb.Subjects] reads
// the reverse tree alike. [Verb.ObjectsOf] and [Verb.SubjectsOf] follow a whole bitmap of
// entities with forward-only probes, as a query executor does; [Verb.AppendObjectsOf] and
// [Verb.AppendSubjectsOf] do the same for a small set kept in a slice (a few hops from one
// entity), into a slice the caller may reuse, without allocating.
//
// A verb's [Cardinality] (many-to-many by default, or [ManyToOne], [OneToMany],
// [OneToOne]) is part of its definition: [Verb.Link] enforces it and reports a violation
// with [ErrCardinality], naming the verb, the entities and the edge in the way. Both ends of
// an edge must be live entities of the store; an edge to an external IRI goes through a local
// entity that carries the IRI (entity.Kind.Intern). Deleting an entity removes its edges in
// both directions.
package verb
