package wxfunnel.topics;

import java.util.List;
import java.util.regex.Pattern;
import wxfunnel.events.Ecosystem;

/**
 * Every name of one ecosystem's topology: its topics ({@code <eco>.}) and its nodes, stores and
 * internal topics ({@code wxfunnel-<eco>-}), so nothing of one ecosystem is named like the other's.
 * A shadow ({@code shadow} not null) reads the same inputs but writes its own outputs, {@code
 * <eco>.shadow-<name>.<output>}, under its own application id {@code wxfunnel-<eco>-shadow-<name>};
 * both stay inside the ecosystem's prefixes.
 */
public record Names(Ecosystem ecosystem, String shadow) {

  /** Store: each person's state, by person key. */
  public static final String PERSONS = "persons";
  /** Store: when each person's state may go, by expiry time then person key. */
  public static final String PERSON_EXPIRY = "person-expiry";
  /** Store: each task's counts and clocks ({@link Ledger}). */
  public static final String LEDGER = "ledger";
  /** Global store: the catalog of articles, by {@code msg_id}. */
  public static final String CATALOG = "catalog";
  /** Store: the clock of each input partition, as the intake has read it. */
  public static final String INTAKE_CLOCK = "intake-clock";
  /** Store: each funnel row, by campaign and cohort day. */
  public static final String FUNNEL_ROWS = "funnel-rows";
  /** Store: the person task's changes to funnel rows not sent yet, summed per row. */
  public static final String FUNNEL_PENDING = "funnel-pending";
  /** Store: the watermark of each person task, as the funnel rows last heard it. */
  public static final String FUNNEL_WATERMARKS = "funnel-watermarks";
  /** Store: the copies of each payment seen, by {@code transaction_id}. */
  public static final String PAYMENT_COPIES = "payment-copies";
  /** Store: when each payment's copies may go. */
  public static final String PAYMENT_EXPIRY = "payment-expiry";
  /** Store: the clock of each payments partition, as the identity step has read it. */
  public static final String PAYMENT_CLOCKS = "payment-clocks";
  /** Store: the payments whose copy without a unionid gave way to one with it. */
  public static final String UPGRADED_PAYMENTS = "upgraded-payments";
  /** Store: what each payment's last conversion credits to content rows, by payment time and {@code transaction_id}. */
  public static final String PAYMENT_CONTENT = "payment-content";
  /** Store: each content row not final yet, by content kind, id and day. */
  public static final String CONTENT_ROWS = "content-rows";
  /** Store: the content rows changed since they were last sent. */
  public static final String CONTENT_PENDING = "content-pending";
  /** Store: the persons who touched each content row not final yet. */
  public static final String CONTENT_PERSONS = "content-persons";
  /** Store: the times to convert credited to each content row not final yet, per model, in order. */
  public static final String CONTENT_TIMES = "content-times";
  /** Store: the watermark of each person task, as the content rows last heard it. */
  public static final String CONTENT_WATERMARKS = "content-watermarks";
  /** Store: the funnel topic as a table, for the query API (the topic is its changelog). */
  public static final String FUNNEL_VIEW = "funnel-view";
  /** Store: the content-performance topic as a table, for the query API. */
  public static final String CONTENT_VIEW = "content-view";
  /** Store: the conversions topic as a table, for the query API. */
  public static final String CONVERSIONS_VIEW = "conversions-view";
  /** Repartition: person events, by person key. */
  public static final String BY_PERSON = "by-person";
  /** Repartition: payments, by {@code transaction_id}. */
  public static final String BY_PAYMENT = "by-payment";
  /** Repartition: payments decided by their identity step, by person key. */
  public static final String BY_PERSON_PAYMENTS = "by-person-payments";
  /** Repartition: conversions that another copy of their payment may decide, by {@code transaction_id}. */
  public static final String BY_CONVERSION = "by-conversion";
  /** Repartition: funnel deltas, by funnel row. */
  public static final String BY_FUNNEL_ROW = "by-funnel-row";
  /** Repartition: content deltas, by content row. */
  public static final String BY_CONTENT_ROW = "by-content-row";
  /** Every store. */
  public static final List<String> STORES = List.of(PERSONS, PERSON_EXPIRY, LEDGER, CATALOG, INTAKE_CLOCK, FUNNEL_PENDING,
      FUNNEL_ROWS, FUNNEL_WATERMARKS, PAYMENT_COPIES, PAYMENT_EXPIRY, PAYMENT_CLOCKS, UPGRADED_PAYMENTS,
      PAYMENT_CONTENT, CONTENT_ROWS, CONTENT_PENDING, CONTENT_PERSONS, CONTENT_TIMES, CONTENT_WATERMARKS, FUNNEL_VIEW, CONTENT_VIEW, CONVERSIONS_VIEW);
  /** The repartitions that carry person events (with their input record, to dead-letter). */
  public static final List<String> PERSON_EVENT_REPARTITIONS = List.of(BY_PERSON, BY_PAYMENT, BY_PERSON_PAYMENTS);
  /** Every repartition. */
  public static final List<String> REPARTITIONS = List.of(BY_PERSON, BY_PAYMENT, BY_PERSON_PAYMENTS, BY_CONVERSION, BY_FUNNEL_ROW,
      BY_CONTENT_ROW);

  private static final String REPARTITION = "-repartition";
  private static final String CHANGELOG = "-changelog";
  private static final Pattern SHADOW_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");

  public Names {
    if (shadow != null && !SHADOW_NAME.matcher(shadow).matches()) {
      throw new IllegalArgumentException("a shadow name is 1 to 40 lower-case letters, digits or dashes: " + shadow);
    }
  }

  public Names(final Ecosystem ecosystem) {
    this(ecosystem, null);
  }

  public String topic(final EcoTopic topic) {
    return shadow != null && topic.isOutput() ? topic.shadowTopic(ecosystem, shadow) : topic.topic(ecosystem);
  }

  /** A node, store or internal topic: {@code wxfunnel-<eco>-<what>}, the same in a shadow. */
  public String of(final String what) {
    return EcoTopic.applicationId(ecosystem) + "-" + what;
  }

  /** The changelog of {@code store} on the broker: {@code <application id>-wxfunnel-<eco>-<store>-changelog}. */
  public String changelog(final String store) {
    return applicationId() + "-" + of(store) + CHANGELOG;
  }

  /** The repartition topic {@code repartition} on the broker. */
  public String repartition(final String repartition) {
    return applicationId() + "-" + of(repartition) + REPARTITION;
  }

  /** Whether {@code topic} is a repartition topic of a Kafka Streams application. */
  public static boolean isRepartition(final String topic) {
    return topic.endsWith(REPARTITION);
  }

  /** Whether {@code topic} is the changelog of a store of a Kafka Streams application. */
  public static boolean isChangelog(final String topic) {
    return topic.endsWith(CHANGELOG);
  }

  /** Whether {@code topic} is the repartition topic {@code repartition} of some processor. */
  public static boolean isRepartition(final String topic, final String repartition) {
    return topic.endsWith("-" + repartition + REPARTITION);
  }

  /** The repartition topics of the processor, as named on the broker. */
  public List<String> repartitionTopics() {
    return REPARTITIONS.stream().map(this::repartition).toList();
  }

  public String applicationId() {
    return EcoTopic.applicationId(ecosystem) + (shadow == null ? "" : "-shadow-" + shadow);
  }
}
