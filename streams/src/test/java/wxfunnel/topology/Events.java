package wxfunnel.topology;

import java.time.Instant;
import wxfunnel.events.Article;
import wxfunnel.events.ArticleRead;
import wxfunnel.events.CouponClick;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.Payment;
import wxfunnel.events.QrScan;
import wxfunnel.events.ReadSource;
import wxfunnel.events.TradeType;

/**
 * Test events of one ecosystem. A person named {@code p} reads in the Official Account app
 * {@code wx-oa} and pays in the Mini Program {@code wx-mini}, identified by unionid {@code p}.
 */
record Events(Ecosystem ecosystem) {

  static final String OA = "wx-oa";
  static final String MINI = "wx-mini";

  ArticleRead read(final String id, final String person, final Instant at, final String msgId, final String campaign) {
    return ArticleRead.newBuilder().setEventId(id).setEcosystem(ecosystem).setAppId(OA).setOpenid("o-oa-" + person)
        .setUnionid(person).setEventTime(at).setAccountId("gh_brand").setMsgId(msgId).setReadSource(ReadSource.SESSION)
        .setCampaignId(campaign).build();
  }

  QrScan scan(final String id, final String person, final Instant at, final String scene) {
    return QrScan.newBuilder().setEventId(id).setEcosystem(ecosystem).setAppId(OA).setOpenid("o-oa-" + person)
        .setUnionid(person).setEventTime(at).setSceneStr(scene).setTicket("gQH47joAAAAAAAAAASxodHRw")
        .setNewFollower(true).setStoreId(null).build();
  }

  CouponClick coupon(final String id, final String person, final Instant at, final String outerStr, final String msgId) {
    return CouponClick.newBuilder().setEventId(id).setEcosystem(ecosystem).setAppId(OA).setOpenid("o-oa-" + person)
        .setUnionid(person).setEventTime(at).setCardId("pFS7Fjg8kV1IdDz01r4SQwMkuCKc").setUserCardCode("110201201245")
        .setOuterStr(outerStr).setMsgId(msgId).build();
  }

  Payment payment(final String transactionId, final String person, final Instant at, final long total, final String currency) {
    return Payment.newBuilder().setEventId(transactionId).setEcosystem(ecosystem).setAppId(MINI)
        .setOpenid("o-mini-" + person).setUnionid(person).setEventTime(at).setTransactionId(transactionId)
        .setOutTradeNo("order-" + transactionId).setMchId("1900000109").setTradeType(TradeType.JSAPI)
        .setTotal(total).setCurrency(currency).setAttach(null).setCouponCardId(null).build();
  }

  Article article(final String msgId, final String campaign) {
    return Article.newBuilder().setMsgId(msgId).setEcosystem(ecosystem).setAccountId("gh_brand").setTitle("Spring launch")
        .setCampaignId(campaign).setPublishedAt(Instant.parse("2026-11-01T00:00:00Z")).build();
  }
}
