package wxfunnel.generator;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import wxfunnel.events.Article;
import wxfunnel.events.ArticleRead;
import wxfunnel.events.CouponClick;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.Payment;
import wxfunnel.events.QrScan;
import wxfunnel.generator.TrafficModel.Campaign;
import wxfunnel.generator.TrafficModel.Market;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topology.FunnelConfig;
import wxfunnel.topology.Input.Common;

/**
 * Deterministic simulated traffic: the same settings give the same records in the same order.
 * People arrive with the daily rhythm of their ecosystem's reporting time zone, meet a campaign by
 * an article or a QR code, may take a coupon and pay; the platforms deliver it all a little out of
 * order, retry notifications, and now and then deliver something late, broken or from the other
 * ecosystem. Records come out in delivery order.
 */
public final class Generator implements Iterator<Generated> {

  /**
   * What to generate.
   *
   * @param seed the only source of randomness
   * @param records how many records in all (catalog included)
   * @param personsPerSecond arrivals per simulated second at the busiest hour
   * @param start simulated time of the first arrival
   * @param dropAt from this simulated time on, the drop campaign converts far worse (null: never)
   * @param dailyRhythm whether arrivals follow the hour of the day in Beijing, or stay at the busiest hour's rate
   * @param disorder what producers get wrong beyond the platforms' own retries
   * @param keyBy what the records are keyed by
   * @param end records due after it are not made (null: none is left out); for traffic that stops
   *     then, whose notification retries would otherwise be kept for a day
   */
  public record Settings(long seed, long records, Set<Ecosystem> ecosystems, double personsPerSecond, Instant start,
      Instant dropAt, String dropCampaign, boolean dailyRhythm, Disorder disorder, KeyBy keyBy, Instant end) {

    public static final Instant DEFAULT_START = Instant.parse("2026-11-11T00:00:00+08:00");
    public static final String DEFAULT_DROP_CAMPAIGN = "double11-2026";

    public static Settings of(final long seed, final long records) {
      return new Settings(seed, records, EnumSet.allOf(Ecosystem.class), 2.0, DEFAULT_START, null, DEFAULT_DROP_CAMPAIGN, true,
          Disorder.NONE, KeyBy.APP_OPENID, null);
    }

    public Settings withDisorder(final Disorder value) {
      return new Settings(seed, records, ecosystems, personsPerSecond, start, dropAt, dropCampaign, dailyRhythm, value, keyBy, end);
    }

    public Settings withStart(final Instant value) {
      return new Settings(seed, records, ecosystems, personsPerSecond, value, dropAt, dropCampaign, dailyRhythm, disorder, keyBy, end);
    }

    public Settings withPersonsPerSecond(final double value) {
      return new Settings(seed, records, ecosystems, value, start, dropAt, dropCampaign, dailyRhythm, disorder, keyBy, end);
    }

    public Settings withDropAt(final Instant value) {
      return new Settings(seed, records, ecosystems, personsPerSecond, start, value, dropCampaign, dailyRhythm, disorder, keyBy, end);
    }

    public Settings withEcosystems(final Set<Ecosystem> value) {
      return new Settings(seed, records, value, personsPerSecond, start, dropAt, dropCampaign, dailyRhythm, disorder, keyBy, end);
    }

    public Settings withKeyBy(final KeyBy value) {
      return new Settings(seed, records, ecosystems, personsPerSecond, start, dropAt, dropCampaign, dailyRhythm, disorder, value, end);
    }

    public Settings withEnd(final Instant value) {
      return new Settings(seed, records, ecosystems, personsPerSecond, start, dropAt, dropCampaign, dailyRhythm, disorder, keyBy, value);
    }

    /** Arrivals at a steady rate, whatever the hour. */
    public Settings withoutDailyRhythm() {
      return new Settings(seed, records, ecosystems, personsPerSecond, start, dropAt, dropCampaign, false, disorder, keyBy, end);
    }
  }

  /**
   * What producers get wrong, each as a share of the events it applies to (0: never).
   *
   * @param ahead an event sent by a producer whose clock is 1 to 10 minutes behind: its event time
   *     lies ahead of its record's timestamp (past 5 minutes it is INVALID_TIMESTAMP)
   * @param renotify a payment notification retried under a new notification id (event_id)
   * @param unionidRace a payment delivered first without its unionid (not yet enriched), then with it
   */
  public record Disorder(double ahead, double renotify, double unionidRace) {

    public static final Disorder NONE = new Disorder(0, 0, 0);
  }

  /**
   * What a record's key is: the openid of the app that saw the event, as the platforms' own
   * callbacks have it; or the person key the processor groups by (unionid, else app and openid),
   * which lets a record the producer's default partitioner put on its person's partition skip the
   * re-keying.
   */
  public enum KeyBy {
    APP_OPENID, PERSON;

    /** As a flag's value: {@code app-openid}, {@code person}. */
    public String flag() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  private record Pending(Generated record, long sequence) {}

  private static final Comparator<Pending> DELIVERY_ORDER =
      Comparator.comparingLong((Pending p) -> p.record().deliverAt()).thenComparingLong(Pending::sequence);
  private static final ZoneId RHYTHM_ZONE = FunnelConfig.defaultTimeZone(Ecosystem.WEIXIN);
  private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  private final Settings settings;
  private final SplittableRandom random;
  private final PriorityQueue<Pending> pending = new PriorityQueue<>(DELIVERY_ORDER);
  private long sequence;
  private long emitted;
  /** When the next person arrives, in epoch milliseconds with their fraction: at high rates, several arrive each millisecond. */
  private double nextArrival;

  public Generator(final Settings settings) {
    if (settings.ecosystems().isEmpty()) {
      throw new IllegalArgumentException("no ecosystem to generate for");
    }
    this.settings = settings;
    this.random = new SplittableRandom(settings.seed());
    this.nextArrival = settings.start().toEpochMilli();
    for (final Ecosystem eco : settings.ecosystems()) {
      publishCatalog(TrafficModel.of(eco));
    }
  }

  @Override
  public boolean hasNext() {
    if (emitted >= settings.records()) {
      return false;
    }
    // Arrivals until the next record due is known: no later arrival makes one due before it.
    while (!ended() && (pending.isEmpty() || pending.peek().record().deliverAt() > nextArrival)) {
      arrive();
    }
    return !pending.isEmpty();
  }

  @Override
  public Generated next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    emitted++;
    return pending.poll().record();
  }

  /** Whether arrivals have passed the end: none comes after it. */
  private boolean ended() {
    return settings.end() != null && nextArrival > settings.end().toEpochMilli();
  }

  private void publishCatalog(final Market market) {
    final long published = settings.start().minus(Duration.ofDays(3)).toEpochMilli();
    for (int c = 0; c < market.campaigns().size(); c++) {
      for (int a = 1; a <= TrafficModel.ARTICLES_PER_CAMPAIGN; a++) {
        final String msgId = msgId(c, a);
        final Article article = Article.newBuilder().setMsgId(msgId).setEcosystem(market.ecosystem())
            .setAccountId(market.accountId()).setTitle(market.campaigns().get(c).id() + " #" + a)
            .setCampaignId(market.campaigns().get(c).id()).setPublishedAt(Instant.ofEpochMilli(published)).build();
        schedule(new Generated(EcoTopic.CONTENT.topic(market.ecosystem()), msgId, article, null, published,
            settings.start().toEpochMilli()));
      }
    }
  }

  /** One person arrives and plans their whole visit. */
  private void arrive() {
    final long now = (long) nextArrival;
    final Market market = TrafficModel.of(pickEcosystem());
    final Person person = new Person(market, random.nextDouble() >= TrafficModel.NO_UNIONID_SHARE ? id("o", 23) : null,
        id("o", 23), id("o", 23));
    final int c = pick(market.campaigns().stream().mapToDouble(Campaign::weight).toArray());
    final Campaign campaign = market.campaigns().get(c);
    final boolean dropped = settings.dropAt() != null && now >= settings.dropAt().toEpochMilli()
        && campaign.id().equals(settings.dropCampaign());

    long time = now;
    if (random.nextDouble() < TrafficModel.FIRST_TOUCH_IS_SCAN) {
      emit(EcoTopic.SCANS, person, scan(person, time, campaign.id()), time);
    } else {
      emit(EcoTopic.READS, person, read(person, time, c), time);
    }
    if (random.nextDouble() < TrafficModel.SECOND_READ) {
      final int other = random.nextInt(market.campaigns().size());
      final long later = time + seconds(60, 1200);
      emit(EcoTopic.READS, person, read(person, later, other), later);
    }
    final double couponRate = campaign.couponRate() * (dropped ? 0.5 : 1);
    final double payRate = campaign.payRate() * (dropped ? TrafficModel.DROP_KEEPS : 1);
    boolean pays = random.nextDouble() < TrafficModel.PAY_WITHOUT_COUPON;
    if (random.nextDouble() < couponRate) {
      time += seconds(5, 120);
      final CouponClick coupon = coupon(person, time, c, campaign.id());
      emit(EcoTopic.COUPON_CLICKS, person, coupon, time);
      if (random.nextDouble() < TrafficModel.CARD_PUSH_RETRIED) {
        for (int retry = 1; retry <= 3; retry++) {
          deliver(EcoTopic.COUPON_CLICKS, person, coupon, time, time + retry * TrafficModel.CARD_RETRY_WAIT.toMillis());
        }
      }
      pays = random.nextDouble() < payRate;
    }
    if (pays) {
      time += seconds(5, 180);
      final Payment payment = payment(person, time);
      if (person.unionid() != null && happens(settings.disorder().unionidRace())) {
        // The notification before enrichment: the same payment without its unionid, a moment earlier.
        deliver(EcoTopic.PAYMENTS, person, Payment.newBuilder(payment).setUnionid(null).build(), time, time + seconds(0, 3));
        deliver(EcoTopic.PAYMENTS, person, payment, time, time + seconds(4, 60));
      } else {
        emit(EcoTopic.PAYMENTS, person, payment, time);
      }
      if (random.nextDouble() < TrafficModel.PAYMENT_RETRIED) {
        final int retries = 1 + random.nextInt(TrafficModel.PAY_RETRY_WAITS.size());
        long at = time;
        for (int retry = 0; retry < retries; retry++) {
          at += TrafficModel.PAY_RETRY_WAITS.get(retry).toMillis();
          final Payment copy = happens(settings.disorder().renotify())
              ? Payment.newBuilder(payment).setEventId("notif-" + id("", 16)).build() : payment;
          deliver(EcoTopic.PAYMENTS, person, copy, time, at);
        }
      }
    }
    nextArrival += interArrivalMillis(now);
  }

  /** A person in one ecosystem: a unionid (or none) and an openid in each app. */
  private record Person(Market market, String unionid, String officialAccountOpenid, String miniProgramOpenid) {}

  private Ecosystem pickEcosystem() {
    if (settings.ecosystems().size() == 1) {
      return settings.ecosystems().iterator().next();
    }
    return random.nextDouble() < TrafficModel.WEIXIN_SHARE ? Ecosystem.WEIXIN : Ecosystem.WECHAT;
  }

  /** Delivers an event a little after it happened, now and then late, broken or spoofed. */
  private void emit(final EcoTopic topic, final Person person, final SpecificRecord event, final long eventTime) {
    final double roll = random.nextDouble();
    final long delay;
    if (roll < TrafficModel.LATE) {
      delay = seconds(15 * 60, 45 * 60);
    } else if (roll < TrafficModel.LATE + TrafficModel.DELAYED) {
      delay = seconds(5, 5 * 60);
    } else {
      delay = seconds(0, 5);
    }
    // A producer whose clock is behind stamps the record before the event happened.
    final long skew = happens(settings.disorder().ahead()) ? seconds(60, 600) : 0;
    deliver(topic, person, event, eventTime, eventTime + delay - skew);
  }

  /** Whether something with this share happens; draws nothing when it never does, so seeds keep their traffic. */
  private boolean happens(final double share) {
    return share > 0 && random.nextDouble() < share;
  }

  private void deliver(final EcoTopic topic, final Person person, final SpecificRecord event, final long eventTime,
      final long deliverAt) {
    final Ecosystem eco = person.market().ecosystem();
    final String key = key(topic, person);
    final double roll = random.nextDouble();
    if (roll < TrafficModel.MALFORMED) {
      schedule(new Generated(topic.topic(eco), key, null, garbage(), eventTime, deliverAt));
    } else if (roll < TrafficModel.MALFORMED + TrafficModel.WRONG_ECOSYSTEM) {
      final Ecosystem other = eco == Ecosystem.WEIXIN ? Ecosystem.WECHAT : Ecosystem.WEIXIN;
      schedule(new Generated(topic.topic(eco), key, withEcosystem(event, other), null, eventTime, deliverAt));
    } else {
      schedule(new Generated(topic.topic(eco), key, event, null, eventTime, deliverAt));
    }
  }

  private String key(final EcoTopic topic, final Person person) {
    final Market market = person.market();
    final boolean payment = topic == EcoTopic.PAYMENTS;
    final String openid = payment ? person.miniProgramOpenid() : person.officialAccountOpenid();
    if (settings.keyBy() == KeyBy.APP_OPENID) {
      return openid;
    }
    return new Common(null, market.ecosystem(), payment ? market.miniProgram() : market.officialAccount(), openid, person.unionid(), null)
        .personKey();
  }

  private void schedule(final Generated record) {
    if (settings.end() != null && record.deliverAt() > settings.end().toEpochMilli()) {
      return;
    }
    pending.add(new Pending(record, sequence++));
  }

  private ArticleRead read(final Person person, final long time, final int campaignIndex) {
    final Market market = person.market();
    final Campaign campaign = market.campaigns().get(campaignIndex);
    final int article = 1 + random.nextInt(TrafficModel.ARTICLES_PER_CAMPAIGN);
    final ArticleRead read = new Common("read-" + id("", 16), market.ecosystem(), market.officialAccount(),
        person.officialAccountOpenid(), person.unionid(), Instant.ofEpochMilli(time)).writeTo(new ArticleRead());
    read.setAccountId(market.accountId());
    read.setMsgId(msgId(campaignIndex, article));
    read.setReadSource(TrafficModel.READ_SOURCES[pick(TrafficModel.READ_SOURCE_WEIGHTS)]);
    read.setCampaignId(random.nextDouble() < TrafficModel.READ_CARRIES_CAMPAIGN ? campaign.id() : null);
    return read;
  }

  private QrScan scan(final Person person, final long time, final String campaign) {
    final Market market = person.market();
    final String ticket = "gQ" + id("", 30);
    final QrScan scan = new Common(Long.toHexString(time / 1000) + "-" + ticket.substring(0, 12), market.ecosystem(),
        market.officialAccount(), person.officialAccountOpenid(), person.unionid(), Instant.ofEpochMilli(time)).writeTo(new QrScan());
    scan.setSceneStr(campaign);
    scan.setTicket(ticket);
    scan.setNewFollower(random.nextDouble() < 0.4);
    scan.setStoreId(random.nextDouble() < 0.5 ? "store-" + (1 + random.nextInt(40)) : null);
    return scan;
  }

  private CouponClick coupon(final Person person, final long time, final int campaignIndex, final String campaign) {
    final Market market = person.market();
    final boolean tagged = random.nextDouble() < TrafficModel.COUPON_CARRIES_OUTER_STR;
    final CouponClick click = new Common("card-" + id("", 16), market.ecosystem(), market.officialAccount(),
        person.officialAccountOpenid(), person.unionid(), Instant.ofEpochMilli(time)).writeTo(new CouponClick());
    click.setCardId(cardId(campaignIndex, 1 + random.nextInt(TrafficModel.COUPONS_PER_CAMPAIGN)));
    click.setUserCardCode(String.valueOf(100_000_000_000L + random.nextLong(900_000_000_000L)));
    click.setOuterStr(tagged ? campaign : null);
    click.setMsgId(tagged ? null : msgId(campaignIndex, 1));
    return click;
  }

  private Payment payment(final Person person, final long time) {
    final Market market = person.market();
    final String currency = market.currencies().get(pick(market.currencyWeights()));
    final double major = market.medianMajorUnits() * Math.exp(0.6 * gaussian());
    // In minor units; for a currency without them (JPY) the same number reads as whole yen.
    final long total = Math.max(1, Math.round(major * 100));
    final String transactionId = "4200" + String.format("%024d", Math.abs(random.nextLong()) % 1_000_000_000_000_000_000L);
    final Payment payment = new Common(transactionId, market.ecosystem(), market.miniProgram(), person.miniProgramOpenid(),
        person.unionid(), Instant.ofEpochMilli(time)).writeTo(new Payment());
    payment.setTransactionId(transactionId);
    payment.setOutTradeNo("WX" + id("", 20));
    payment.setMchId(market.mchId());
    payment.setTradeType(TrafficModel.TRADE_TYPES[pick(TrafficModel.TRADE_TYPE_WEIGHTS)]);
    payment.setTotal(total);
    payment.setCurrency(currency);
    payment.setAttach(random.nextDouble() < 0.3 ? "utm=moments" : null);
    payment.setCouponCardId(null);
    return payment;
  }

  /** The daily rhythm follows Beijing time, where almost everyone is. */
  private double interArrivalMillis(final long now) {
    final int hour = Instant.ofEpochMilli(now).atZone(RHYTHM_ZONE).getHour();
    final double rate = settings.personsPerSecond() * (settings.dailyRhythm() ? TrafficModel.DAILY_RHYTHM[hour] : 1);
    return -Math.log(1 - random.nextDouble()) / rate * 1000;
  }

  private static SpecificRecord withEcosystem(final SpecificRecord event, final Ecosystem ecosystem) {
    final SpecificRecord copy = (SpecificRecord) SpecificData.get().deepCopy(event.getSchema(), event);
    copy.put(1, ecosystem);
    return copy;
  }

  private byte[] garbage() {
    final byte[] bytes = new byte[1 + random.nextInt(40)];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) random.nextInt(256);
    }
    return bytes;
  }

  private static String msgId(final int campaignIndex, final int article) {
    return "22474836" + String.format("%02d", 10 + campaignIndex) + "_" + article;
  }

  /** A coupon's card_id: one per kind of coupon a campaign gives (the user's own coupon is its code), 28 characters like Tencent's. */
  private static String cardId(final int campaignIndex, final int coupon) {
    return "pWxfunnelCard" + String.format("%02d", 10 + campaignIndex) + "Coupon" + String.format("%07d", coupon);
  }

  private String id(final String prefix, final int length) {
    final StringBuilder id = new StringBuilder(prefix);
    for (int i = 0; i < length; i++) {
      id.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return id.toString();
  }

  private long seconds(final int from, final int to) {
    return (from + random.nextInt(to - from + 1)) * 1000L + random.nextInt(1000);
  }

  private int pick(final double[] weights) {
    double total = 0;
    for (final double w : weights) {
      total += w;
    }
    double roll = random.nextDouble() * total;
    for (int i = 0; i < weights.length; i++) {
      roll -= weights[i];
      if (roll < 0) {
        return i;
      }
    }
    return weights.length - 1;
  }

  private double gaussian() {
    // Box-Muller from the seeded source, so every run draws the same numbers.
    final double u = 1 - random.nextDouble();
    final double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Every record, for tests and small runs. */
  public List<Generated> toList() {
    final List<Generated> all = new ArrayList<>();
    forEachRemaining(all::add);
    return all;
  }
}
