/* gen_catalog.c — what the synthetic mail is: the campaigns of a Japanese
 * travel and shopping site (names, templates, subjects, send times) and its
 * recipients' addresses. */
#include "gen_int.h"

/* name, kind, plan, role, required, hour, minute, minutes, dow, weight,
 * email_name, subject.  Batch send times avoid the incidents' local times
 * except where a seed says the campaign was caught in one. */
#define T GEN_TRANSACTIONAL
#define G GEN_TRIGGER
#define B GEN_BATCH
const struct gen_campaign_def gen_campaign_defs[] = {
	/* required: the seeds' campaigns and one of each shape */
	{ "予約完了のお知らせ", T, PLAN_CONTINUOUS, ROLE_BOOKING, 1, 0, 0, 0, 0, 22,
	  "booking_confirmation_v3", "【予約完了】ご予約ありがとうございます（予約番号 {N}）" },
	{ "予約変更のお知らせ", T, PLAN_CONTINUOUS, ROLE_NONE, 1, 0, 0, 0, 0, 6,
	  "booking_change_v2", "【予約変更】ご予約内容が変更されました（予約番号 {N}）" },
	{ "パスワード再設定", T, PLAN_CONTINUOUS, ROLE_NONE, 1, 0, 0, 0, 0, 4,
	  "password_reset_v4", "パスワード再設定のご案内" },
	{ "会員登録ありがとうございます", G, PLAN_CONTINUOUS, ROLE_NONE, 1, 0, 0, 0, 0, 6,
	  "welcome_v3", "🎉 会員登録ありがとうございます" },
	{ "カート放棄リマインド", G, PLAN_CONTINUOUS, ROLE_AMQ_TRIGGER, 1, 0, 0, 0, 0, 14,
	  "cart_reminder_v2", "🛒 カートに商品が残っています" },
	{ "誕生日クーポン", G, PLAN_CONTINUOUS, ROLE_NONE, 1, 0, 0, 0, 0, 3,
	  "birthday_coupon_v1", "🎂 お誕生日おめでとうございます！特別クーポンをお届けします" },
	{ "秋の特別セール", B, PLAN_ONCE, ROLE_AMQ_LOST, 1, 10, 0, 24, 0, 6,
	  "autumn_sale_2018", "🍁 秋の特別セール開催中！最大50%OFF" },
	{ "メルマガ 9月号", B, PLAN_ONCE, ROLE_AMQ_PARTIAL, 1, 9, 0, 30, 0, 8,
	  "newsletter_2018_09", "【メルマガ】9月号 今月のおすすめ宿" },
	{ "シルバーウィーク特集", B, PLAN_ONCE, ROLE_STOP_ONCE, 1, 13, 5, 25, 0, 5,
	  "silver_week_feature", "シルバーウィークのおでかけ特集 🚄" },
	{ "ランチタイム限定クーポン", B, PLAN_DAILY, ROLE_STOP_RECURRING, 1, 13, 20, 15, 0, 3,
	  "lunch_coupon_daily", "🍱 本日のランチ限定クーポン" },
	{ "週末限定クーポン", B, PLAN_WEEKLY, ROLE_NONE, 1, 18, 0, 20, 5, 5,
	  "weekend_coupon_v2", "週末限定クーポンをお届けします" },
	{ "ポイント失効のお知らせ", B, PLAN_WEEKLY, ROLE_NONE, 1, 10, 0, 20, 1, 4,
	  "points_expiry_v1", "【重要】ポイントの有効期限が近づいています" },
	{ "Spring \"Flash\" Sale", B, PLAN_ONCE, ROLE_NONE, 1, 12, 0, 15, 0, 3,
	  "spring_flash_sale_en", "Spring \"Flash\" Sale \\ 24 hours only" },
	{ "予約キャンセルのお知らせ", T, PLAN_CONTINUOUS, ROLE_NONE, 1, 0, 0, 0, 0, 3,
	  "booking_cancel_v2", "【キャンセル完了】ご予約のキャンセルを承りました" },
	{ "前日リマインド", T, PLAN_CONTINUOUS, ROLE_NONE, 1, 0, 0, 0, 0, 5,
	  "booking_reminder_v2", "⏰ 明日のご予約のお知らせ" },
	{ "注文確認", T, PLAN_CONTINUOUS, ROLE_NONE, 1, 0, 0, 0, 0, 7,
	  "order_confirmation_v5", "ご注文ありがとうございます（注文番号 {N}）" },
	{ "Weekly Digest", B, PLAN_WEEKLY, ROLE_NONE, 1, 9, 0, 20, 0, 4,
	  "weekly_digest_en", "Your weekly digest" },
	{ "毎朝のおすすめ情報", B, PLAN_DAILY, ROLE_NONE, 1, 7, 30, 15, 0, 3,
	  "daily_pick_v4", "☀️ 今日のおすすめ情報" },
	{ "タイムセール速報", B, PLAN_DAILY, ROLE_NONE, 1, 20, 0, 10, 0, 3,
	  "flash_sale_alert", "⚡ タイムセール速報：今夜24時まで" },
	{ "年末年始の予約受付開始", B, PLAN_FUTURE, ROLE_NONE, 1, 10, 0, 20, 0, 5,
	  "newyear_booking_2019", "年末年始のご予約受付を開始しました" },
	{ "冬のボーナスセール", B, PLAN_DRAFT, ROLE_NONE, 1, 0, 0, 0, 0, 0,
	  "winter_bonus_sale", "冬のボーナスセール" },
	{ "Login alert", T, PLAN_CONTINUOUS, ROLE_NONE, 1, 0, 0, 0, 0, 2,
	  "login_alert_v1", "New sign-in to your account" },
	/* optional: some of these, chosen per seed */
	{ "メールアドレス確認", T, PLAN_CONTINUOUS, ROLE_NONE, 0, 0, 0, 0, 0, 3,
	  "email_verify_v2", "メールアドレスの確認をお願いします" },
	{ "発送のお知らせ", T, PLAN_CONTINUOUS, ROLE_NONE, 0, 0, 0, 0, 0, 5,
	  "shipping_notice_v2", "🚚 ご注文の商品を発送しました" },
	{ "領収書の送付", T, PLAN_CONTINUOUS, ROLE_NONE, 0, 0, 0, 0, 0, 2,
	  "receipt_v1", "領収書を発行しました（{N}）" },
	{ "ポイント付与のお知らせ", T, PLAN_CONTINUOUS, ROLE_NONE, 0, 0, 0, 0, 0, 2,
	  "points_added_v1", "ポイントを付与しました" },
	{ "Verification code", T, PLAN_CONTINUOUS, ROLE_NONE, 0, 0, 0, 0, 0, 2,
	  "otp_code_v2", "Your verification code is {N}" },
	{ "閲覧商品リマインド", G, PLAN_CONTINUOUS, ROLE_NONE, 0, 0, 0, 0, 0, 4,
	  "browse_reminder_v1", "最近チェックしたプランはいかがですか？" },
	{ "宿泊後アンケート", G, PLAN_CONTINUOUS, ROLE_NONE, 0, 0, 0, 0, 0, 3,
	  "review_request_v2", "ご宿泊の感想をお聞かせください ✍️" },
	{ "休眠会員フォロー", G, PLAN_CONTINUOUS, ROLE_NONE, 0, 0, 0, 0, 0, 1,
	  "winback_v1", "お久しぶりです。限定クーポンをご用意しました" },
	{ "再入荷のお知らせ", G, PLAN_CONTINUOUS, ROLE_NONE, 0, 0, 0, 0, 0, 2,
	  "restock_v2", "✨ お気に入りの商品が再入荷しました" },
	{ "初回購入サンクス", G, PLAN_CONTINUOUS, ROLE_NONE, 0, 0, 0, 0, 0, 2,
	  "first_purchase_v1", "初めてのご購入ありがとうございます" },
	{ "Price drop alert", G, PLAN_CONTINUOUS, ROLE_NONE, 0, 0, 0, 0, 0, 1,
	  "price_drop_en", "Price drop on a hotel you viewed" },
	{ "空室待ちのお知らせ", G, PLAN_CONTINUOUS, ROLE_NONE, 0, 0, 0, 0, 0, 2,
	  "waitlist_open_v1", "🔔 空室待ちのお部屋に空きが出ました" },
	{ "会員ランクアップのお知らせ", G, PLAN_CONTINUOUS, ROLE_NONE, 0, 0, 0, 0, 0, 1,
	  "tier_up_v1", "会員ランクがアップしました" },
	{ "夏休み旅行特集", B, PLAN_ONCE, ROLE_NONE, 0, 11, 0, 20, 0, 5,
	  "summer_travel_2018", "🌻 夏休み旅行特集" },
	{ "温泉旅館フェア", B, PLAN_ONCE, ROLE_NONE, 0, 19, 50, 20, 0, 4,
	  "onsen_fair_2018", "♨️ 温泉旅館フェア開催中" },
	{ "レストラン特集", B, PLAN_ONCE, ROLE_NONE, 0, 17, 0, 15, 0, 3,
	  "restaurant_feature_v1", "今月のレストラン特集" },
	{ "アプリ限定キャンペーン", B, PLAN_ONCE, ROLE_NONE, 0, 12, 30, 15, 0, 3,
	  "app_only_campaign", "📱 アプリ限定キャンペーンのご案内" },
	{ "利用規約改定のお知らせ", B, PLAN_ONCE, ROLE_NONE, 0, 15, 30, 30, 0, 5,
	  "terms_update_2018", "【重要】利用規約改定のお知らせ" },
	{ "システムメンテナンスのお知らせ", B, PLAN_ONCE, ROLE_NONE, 0, 16, 0, 20, 0, 4,
	  "maintenance_notice", "【重要】システムメンテナンスのお知らせ" },
	{ "紅葉特集", B, PLAN_ONCE, ROLE_NONE, 0, 10, 30, 20, 0, 4,
	  "autumn_leaves_2018", "🍁 紅葉の名所に泊まる" },
	{ "口コミ投稿キャンペーン", B, PLAN_ONCE, ROLE_NONE, 0, 18, 30, 15, 0, 3,
	  "review_campaign", "口コミ投稿でポイントプレゼント" },
	{ "新着プランのお知らせ", B, PLAN_WEEKLY, ROLE_NONE, 0, 12, 0, 15, 3, 3,
	  "new_plans_weekly", "今週の新着プラン" },
	{ "誕生月ポイント2倍", B, PLAN_WEEKLY, ROLE_NONE, 0, 11, 0, 10, 2, 2,
	  "birthday_month_points", "🎁 誕生月はポイント2倍" },
	{ "VIP Members Newsletter", B, PLAN_ONCE, ROLE_NONE, 0, 9, 30, 10, 0, 2,
	  "vip_newsletter_en", "VIP Members Newsletter — September" },
	{ "ハロウィン特集", B, PLAN_FUTURE, ROLE_NONE, 0, 12, 0, 15, 0, 3,
	  "halloween_2018", "🎃 ハロウィン特集" },
	{ "ブラックフライデー先行案内", B, PLAN_FUTURE, ROLE_NONE, 0, 10, 0, 20, 0, 4,
	  "black_friday_preview", "ブラックフライデー先行案内" },
	{ "クリスマスディナー特集", B, PLAN_DRAFT, ROLE_NONE, 0, 0, 0, 0, 0, 0,
	  "christmas_dinner_2018", "🎄 クリスマスディナー特集" },
	{ "Test send (internal)", B, PLAN_DRAFT, ROLE_NONE, 0, 0, 0, 0, 0, 0,
	  "internal_test", "[TEST] template check" },
	{ "母の日ギフト特集", B, PLAN_ONCE, ROLE_NONE, 0, 10, 0, 15, 0, 3,
	  "mothers_day_gift", "💐 母の日ギフト特集" },
	{ "家族旅行応援クーポン", B, PLAN_ONCE, ROLE_NONE, 0, 20, 30, 15, 0, 3,
	  "family_trip_coupon", "👨‍👩‍👧 家族旅行応援クーポン" },
	{ "出張パック特集", B, PLAN_WEEKLY, ROLE_NONE, 0, 8, 0, 10, 4, 2,
	  "business_trip_pack", "出張パック特集" },
	{ "直前割のお知らせ", B, PLAN_DAILY, ROLE_NONE, 0, 16, 30, 10, 0, 2,
	  "last_minute_deals", "⏳ 直前割：今夜泊まれる宿" },
	{ "ふるさと納税のご案内", B, PLAN_ONCE, ROLE_NONE, 0, 21, 0, 15, 0, 3,
	  "furusato_tax_2018", "ふるさと納税で宿泊券を" },
	{ "アンケートご協力のお願い", B, PLAN_ONCE, ROLE_NONE, 0, 14, 0, 20, 0, 3,
	  "survey_2018q3", "アンケートご協力のお願い" },
	{ "請求書発行のお知らせ", T, PLAN_CONTINUOUS, ROLE_NONE, 0, 0, 0, 0, 0, 1,
	  "invoice_issued_v1", "請求書を発行しました（{N}）" },
	{ "お問い合わせ受付", T, PLAN_CONTINUOUS, ROLE_NONE, 0, 0, 0, 0, 0, 2,
	  "support_ack_v2", "お問い合わせを受け付けました（受付番号 {N}）" },
	{ "退会手続き完了", T, PLAN_CONTINUOUS, ROLE_NONE, 0, 0, 0, 0, 0, 1,
	  "account_closed_v1", "退会手続きが完了しました" },
	{ "Newsletter (EN)", B, PLAN_WEEKLY, ROLE_NONE, 0, 10, 0, 10, 6, 2,
	  "newsletter_en", "This week at Yasuragi Travel" },
	{ "春の旅行準備", B, PLAN_DRAFT, ROLE_NONE, 0, 0, 0, 0, 0, 0,
	  "spring_travel_2019", "🌸 春の旅行準備はお早めに" },
	{ "ポイント最大10倍キャンペーン", B, PLAN_ONCE, ROLE_NONE, 0, 12, 0, 10, 0, 3,
	  "points_campaign_start", "ポイント最大10倍キャンペーン開始" },
};
#undef T
#undef G
#undef B

const size_t gen_campaign_ndefs = sizeof gen_campaign_defs / sizeof gen_campaign_defs[0];

const char *gen_kind_name(int kind)
{
	switch (kind) {
	case GEN_TRANSACTIONAL: return "transactional";
	case GEN_TRIGGER: return "trigger";
	default: return "batch";
	}
}

const char *gen_status_name(int status)
{
	static const char *const names[] = { "draft", "scheduled", "running", "stopped", "done" };
	return status >= 0 && status <= ST_DONE ? names[status] : "draft";
}

/* Romanised names: no digits, so the number that ends every local part is
 * exactly the recipient id and addresses are unique. */
static const char *const given[] = {
	"taro", "hanako", "yuki", "kenji", "haruka", "shota", "misaki", "daisuke", "ayaka",
	"takumi", "yui", "ren", "sakura", "hiroshi", "naoko", "kazuki", "mai", "ryota", "emi",
	"sho", "aoi", "yuto", "nanami", "kaito", "riko", "sota", "mio", "haruto", "yuna", "minato",
	"akira", "megumi",
};
static const char *const family[] = {
	"sato", "suzuki", "takahashi", "tanaka", "watanabe", "ito", "yamamoto", "nakamura",
	"kobayashi", "kato", "yoshida", "yamada", "sasaki", "yamaguchi", "matsumoto", "inoue",
	"kimura", "hayashi", "shimizu", "saito", "mori", "ikeda", "hashimoto", "abe", "ishikawa",
	"ogawa", "okada", "goto", "hasegawa", "murakami", "kondo", "fujita",
};

/* Domains with their share in percent (the first table sums to 100). */
static const struct {
	const char *name;
	unsigned share;
} domains[] = {
	{ "gmail.com", 30 }, { "yahoo.co.jp", 20 }, { "docomo.ne.jp", 9 }, { "icloud.com", 10 },
	{ "ezweb.ne.jp", 6 }, { "softbank.ne.jp", 4 }, { "outlook.jp", 5 }, { "hotmail.co.jp", 4 },
	{ "nifty.com", 3 }, { "biglobe.ne.jp", 3 }, { "au.com", 3 }, { "example.co.jp", 3 },
};
/* Addresses that bounce, complain or unsubscribe: typos and closed domains too. */
static const char *const bad_domains[] = {
	"gmial.com", "yahooo.co.jp", "docomo.ne.jp", "ezweb.ne.jp", "gmail.com", "closed-isp.example.jp",
	"yahoo.co.jp", "old-company.example.co.jp",
};

static char *put_cstr(char *d, const char *s, int upper)
{
	char *end = gen_put(d, s, strlen(s));
	if (upper)
		d[0] = (char)(d[0] - 'a' + 'A');
	return end;
}

/* The number in an address: a bijection of the id (7919 is prime to both
 * moduli), so addresses stay unique while neighbouring ids look unrelated.
 * Ids below 10^6 map onto 0..999999, the others onto 10^6..10^9-1. */
static uint64_t address_number(uint32_t id)
{
	if (id < 1000000)
		return ((uint64_t)id * 7919 + 104729) % 1000000;
	return 1000000 + ((uint64_t)(id - 1000000) * 7919 + 104729) % 999000000;
}

char *gen_put_address(char *d, uint32_t id, int pool, int upper)
{
	uint64_t h = gen_mix((uint64_t)id * 0x9E3779B97F4A7C15ull + 0x5851F42D4C957F2Dull);
	const char *g = given[h % (sizeof given / sizeof given[0])];
	const char *f = family[(h >> 8) % (sizeof family / sizeof family[0])];

	switch ((h >> 16) & 3) {
	case 0:
		d = put_cstr(d, g, upper);
		*d++ = '.';
		d = put_cstr(d, f, upper);
		break;
	case 1:
		d = put_cstr(d, f, upper);
		*d++ = '.';
		d = put_cstr(d, g, 0);
		break;
	case 2:
		*d++ = upper ? (char)(g[0] - 'a' + 'A') : g[0];
		d = put_cstr(d, f, 0);
		break;
	default:
		d = put_cstr(d, g, upper);
		*d++ = '_';
		d = put_cstr(d, f, 0);
		break;
	}
	d = gen_put_u64(d, address_number(id));
	*d++ = '@';
	if (pool == POOL_BAD) {
		return put_cstr(d, bad_domains[(h >> 24) % (sizeof bad_domains / sizeof bad_domains[0])],
		                upper);
	}
	unsigned pick = (unsigned)((h >> 24) % 100);
	size_t i = 0;
	while (i + 1 < sizeof domains / sizeof domains[0] && pick >= domains[i].share) {
		pick -= domains[i].share;
		i++;
	}
	return put_cstr(d, domains[i].name, upper);
}
