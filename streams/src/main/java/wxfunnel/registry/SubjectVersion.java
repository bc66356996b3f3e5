package wxfunnel.registry;

import org.apache.avro.Schema;

/** One registered version of a subject: what {@code GET /subjects/{s}/versions/latest} returns. */
public record SubjectVersion(String subject, int id, int version, Schema schema) {}
