package wxfunnel.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.duckdb.DuckDBAppender;
import wxfunnel.events.Ecosystem;

/**
 * The columns of a table of Avro records, and the row one record makes. Every field is a column:
 * booleans, numbers and strings as they are, enums as their symbol, a {@code date} as DATE, a
 * {@code timestamp-*} as TIMESTAMP (UTC), bytes as BLOB, a nested record as one column per field
 * ({@code parent_child}); maps, arrays and other unions as JSON text (map keys sorted), e.g. a
 * funnel row's GMV per currency or a conversion's attributions. {@code ["null", T]} is a nullable
 * {@code T}. A record written before a field existed takes the field's default, else null. An
 * {@code ecosystem} column comes first when the records carry none of their own.
 */
final class Columns {

  /** A column's DuckDB type; JSON is text. */
  enum Type {
    BOOLEAN("BOOLEAN"),
    INTEGER("INTEGER"),
    BIGINT("BIGINT"),
    FLOAT("FLOAT"),
    DOUBLE("DOUBLE"),
    VARCHAR("VARCHAR"),
    BLOB("BLOB"),
    DATE("DATE"),
    TIMESTAMP("TIMESTAMP"),
    JSON("VARCHAR");

    private final String sql;

    Type(final String sql) {
      this.sql = sql;
    }
  }

  /** One column: its name, type, and the fields that lead from the top record to its value. */
  private record Column(String name, Type type, List<Schema.Field> path) {}

  /** A value and the schema it was written with (a union resolved to its branch). */
  private record Value(Object datum, Schema schema) {}

  static final String ECOSYSTEM = "ecosystem";

  private static final JsonNodeFactory nodes = JsonNodeFactory.instance;

  /** The value of the added {@code ecosystem} column; null when the records carry their own. */
  private final String ecosystem;
  private final List<Column> columns;

  private Columns(final String ecosystem, final List<Column> columns) {
    this.ecosystem = ecosystem;
    this.columns = columns;
  }

  /** The columns of records of {@code schema}, written by {@code eco}'s processor. */
  static Columns of(final Schema schema, final Ecosystem eco) {
    if (schema.getType() != Schema.Type.RECORD) {
      throw new IllegalArgumentException(schema.getFullName() + " is not a record: it makes no table");
    }
    final List<Column> columns = new ArrayList<>();
    flatten(schema, "", List.of(), Set.of(schema.getFullName()), columns);
    return new Columns(schema.getField(ECOSYSTEM) == null ? eco.name() : null, List.copyOf(columns));
  }

  /** {@code CREATE TABLE} for a table named {@code table} with these columns. */
  String createTable(final String table) {
    final StringJoiner sql = new StringJoiner(", ", "CREATE TABLE " + quote(table) + " (", ")");
    if (ecosystem != null) {
      sql.add(quote(ECOSYSTEM) + " " + Type.VARCHAR.sql);
    }
    columns.forEach(column -> sql.add(quote(column.name()) + " " + column.type().sql));
    return sql.toString();
  }

  /** Appends the row of {@code record}. */
  void append(final DuckDBAppender appender, final GenericRecord record) throws SQLException {
    appender.beginRow();
    if (ecosystem != null) {
      appender.append(ecosystem);
    }
    for (final Column column : columns) {
      final Value value = resolve(record, column.path());
      try {
        append(appender, column.type(), value);
      } catch (ClassCastException e) {
        throw new IllegalStateException("column " + column.name() + " (" + column.type() + ") cannot hold a value written as "
            + value.schema().getType(), e);
      }
    }
    appender.endRow();
  }

  /**
   * The day of {@code record}'s {@code field}: a date as it is, a timestamp's day in {@code zone}
   * (a local timestamp's own day); null when the field is null.
   */
  static LocalDate day(final GenericRecord record, final String field, final ZoneId zone) {
    final Schema.Field found = record.getSchema().getField(field);
    if (found == null) {
      throw new IllegalStateException(record.getSchema().getFullName() + " has no field " + field + " to take days from");
    }
    final Object datum = record.get(found.pos());
    if (datum == null) {
      return null;
    }
    final Schema schema = nonNull(found.schema());
    if (isDate(schema)) {
      return date(datum);
    }
    if (isTimestamp(schema)) {
      return logical(schema).startsWith("local-")
          ? LocalDateTime.ofInstant(instant(datum, schema), ZoneOffset.UTC).toLocalDate()
          : instant(datum, schema).atZone(zone).toLocalDate();
    }
    throw new IllegalStateException("field " + field + " of " + record.getSchema().getFullName() + " is neither a date nor a timestamp");
  }

  /** {@code identifier} quoted for SQL. */
  static String quote(final String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  /** {@code datum} as JSON, in the terms of {@code schema}, the schema it was written with. */
  private static JsonNode toJson(final Object datum, final Schema schema) {
    if (datum == null) {
      return nodes.nullNode();
    }
    return switch (schema.getType()) {
      case UNION -> toJson(datum, schema.getTypes().get(GenericData.get().resolveUnion(schema, datum)));
      case RECORD -> {
        final GenericRecord record = (GenericRecord) datum;
        final ObjectNode node = nodes.objectNode();
        for (final Schema.Field field : record.getSchema().getFields()) {
          node.set(field.name(), toJson(record.get(field.pos()), field.schema()));
        }
        yield node;
      }
      case MAP -> {
        // Sorted, so the same map always reads the same.
        final Map<String, Object> sorted = new TreeMap<>();
        ((Map<?, ?>) datum).forEach((key, item) -> sorted.put(key.toString(), item));
        final ObjectNode node = nodes.objectNode();
        sorted.forEach((key, item) -> node.set(key, toJson(item, schema.getValueType())));
        yield node;
      }
      case ARRAY -> {
        final ArrayNode node = nodes.arrayNode();
        for (final Object item : (Collection<?>) datum) {
          node.add(toJson(item, schema.getElementType()));
        }
        yield node;
      }
      case INT -> isDate(schema) ? nodes.textNode(date(datum).toString()) : nodes.numberNode(((Number) datum).intValue());
      case LONG -> isTimestamp(schema) ? nodes.textNode(instant(datum, schema).toString()) : nodes.numberNode(((Number) datum).longValue());
      case FLOAT -> nodes.numberNode(((Number) datum).floatValue());
      case DOUBLE -> nodes.numberNode(((Number) datum).doubleValue());
      case BOOLEAN -> nodes.booleanNode((Boolean) datum);
      case BYTES, FIXED -> nodes.textNode(Base64.getEncoder().encodeToString(bytes(datum)));
      case STRING, ENUM -> nodes.textNode(datum.toString());
      case NULL -> nodes.nullNode();
    };
  }

  private static void flatten(final Schema record, final String prefix, final List<Schema.Field> parents,
      final Set<String> enclosing, final List<Column> into) {
    for (final Schema.Field field : record.getFields()) {
      final List<Schema.Field> path = new ArrayList<>(parents);
      path.add(field);
      final Schema schema = nonNull(field.schema());
      final String name = prefix + field.name();
      // A record inside itself would flatten forever: from there on it is JSON.
      if (schema.getType() == Schema.Type.RECORD && !enclosing.contains(schema.getFullName())) {
        final Set<String> inside = new HashSet<>(enclosing);
        inside.add(schema.getFullName());
        flatten(schema, name + "_", List.copyOf(path), inside, into);
      } else {
        into.add(new Column(name, typeOf(schema), List.copyOf(path)));
      }
    }
  }

  private static Type typeOf(final Schema schema) {
    return switch (schema.getType()) {
      case BOOLEAN -> Type.BOOLEAN;
      case INT -> isDate(schema) ? Type.DATE : Type.INTEGER;
      case LONG -> isTimestamp(schema) ? Type.TIMESTAMP : Type.BIGINT;
      case FLOAT -> Type.FLOAT;
      case DOUBLE -> Type.DOUBLE;
      case STRING, ENUM -> Type.VARCHAR;
      case BYTES, FIXED -> Type.BLOB;
      default -> Type.JSON;
    };
  }

  /** The value at {@code path} in {@code record}: null under a null record, a field's default where the writer had no such field. */
  private static Value resolve(final GenericRecord record, final List<Schema.Field> path) {
    Object datum = record;
    Schema schema = record.getSchema();
    for (final Schema.Field wanted : path) {
      if (!(datum instanceof GenericRecord parent)) {
        return new Value(null, wanted.schema());
      }
      final Schema.Field field = parent.getSchema().getField(wanted.name());
      if (field == null) {
        datum = wanted.hasDefaultValue() ? GenericData.get().getDefaultValue(wanted) : null;
        schema = wanted.schema();
      } else {
        datum = parent.get(field.pos());
        schema = field.schema();
      }
      if (datum != null && schema.getType() == Schema.Type.UNION) {
        schema = schema.getTypes().get(GenericData.get().resolveUnion(schema, datum));
      }
    }
    return new Value(datum, schema);
  }

  private static void append(final DuckDBAppender appender, final Type type, final Value value) throws SQLException {
    final Object datum = value.datum();
    if (datum == null) {
      appender.appendNull();
      return;
    }
    switch (type) {
      case BOOLEAN -> appender.append(((Boolean) datum).booleanValue());
      case INTEGER -> appender.append(((Number) datum).intValue());
      case BIGINT -> appender.append(((Number) datum).longValue());
      case FLOAT -> appender.append(((Number) datum).floatValue());
      case DOUBLE -> appender.append(((Number) datum).doubleValue());
      case VARCHAR -> appender.append(datum.toString());
      case BLOB -> appender.append(bytes(datum));
      case DATE -> appender.append(date(datum));
      case TIMESTAMP -> appender.append(LocalDateTime.ofInstant(instant(datum, value.schema()), ZoneOffset.UTC));
      case JSON -> appender.append(toJson(datum, value.schema()).toString());
      default -> throw new IllegalStateException("no way to append a " + type);
    }
  }

  /** The union's one non-null branch for {@code ["null", T]}; any other schema as it is. */
  private static Schema nonNull(final Schema schema) {
    if (schema.getType() != Schema.Type.UNION || schema.getTypes().size() != 2) {
      return schema;
    }
    final List<Schema> branches = schema.getTypes();
    if (branches.get(0).getType() == Schema.Type.NULL) {
      return branches.get(1);
    }
    return branches.get(1).getType() == Schema.Type.NULL ? branches.get(0) : schema;
  }

  private static String logical(final Schema schema) {
    final LogicalType type = schema.getLogicalType();
    return type == null ? "" : type.getName();
  }

  private static boolean isDate(final Schema schema) {
    return schema.getType() == Schema.Type.INT && logical(schema).equals("date");
  }

  private static boolean isTimestamp(final Schema schema) {
    return schema.getType() == Schema.Type.LONG && logical(schema).contains("timestamp-");
  }

  /** A date, as generic records hold it (days since the epoch) or as a conversion made it. */
  private static LocalDate date(final Object datum) {
    return datum instanceof LocalDate day ? day : LocalDate.ofEpochDay(((Number) datum).longValue());
  }

  /** A timestamp, as generic records hold it (a count of the schema's unit since the epoch) or as a conversion made it. */
  private static Instant instant(final Object datum, final Schema schema) {
    if (datum instanceof Instant instant) {
      return instant;
    }
    if (datum instanceof LocalDateTime local) {
      return local.toInstant(ZoneOffset.UTC);
    }
    final long count = ((Number) datum).longValue();
    final String unit = logical(schema);
    if (unit.endsWith("micros")) {
      return Instant.EPOCH.plus(count, ChronoUnit.MICROS);
    }
    if (unit.endsWith("nanos")) {
      return Instant.EPOCH.plusNanos(count);
    }
    return Instant.ofEpochMilli(count);
  }

  private static byte[] bytes(final Object datum) {
    if (datum instanceof ByteBuffer buffer) {
      final byte[] bytes = new byte[buffer.remaining()];
      buffer.duplicate().get(bytes);
      return bytes;
    }
    if (datum instanceof GenericFixed fixed) {
      return fixed.bytes();
    }
    return (byte[]) datum;
  }
}
