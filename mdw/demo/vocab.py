"""Word lists for the demo generator: names, places, products, channels.

Kept apart from the generator's logic so a reader can see what the demo data draws from.
"""

from __future__ import annotations

# (surname in Chinese, pinyin)
CN_SURNAMES = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
    ("罗", "luo"), ("高", "gao"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
]
CN_GIVEN = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"),
    ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("桂英", "guiying"), ("子涵", "zihan"),
    ("欣怡", "xinyi"), ("浩然", "haoran"), ("雨萱", "yuxuan"), ("梓轩", "zixuan"), ("思琪", "siqi"),
]
LATIN_FIRST = [
    "Emma", "Olivia", "Sophia", "Mia", "Lucas", "Liam", "Noah", "Ethan", "Chloe", "Grace",
    "Daniel", "Lily", "Jack", "Amelia", "Oscar", "Hannah", "Leo", "Zoe", "Max", "Anna",
]
LATIN_LAST = [
    "Smith", "Brown", "Martin", "Muller", "Dubois", "Rossi", "Garcia", "Wilson", "Taylor", "Lee",
    "Wong", "Tan", "Ng", "Schmidt", "Moreau", "Clarke", "Evans", "Walker", "Young", "King",
]

# (city, province, country, weight, currency)
CITIES = [
    ("Shanghai", "Shanghai", "China", 14, "CNY"),
    ("Beijing", "Beijing", "China", 12, "CNY"),
    ("Guangzhou", "Guangdong", "China", 8, "CNY"),
    ("Shenzhen", "Guangdong", "China", 8, "CNY"),
    ("Hangzhou", "Zhejiang", "China", 6, "CNY"),
    ("Chengdu", "Sichuan", "China", 6, "CNY"),
    ("Wuhan", "Hubei", "China", 4, "CNY"),
    ("Nanjing", "Jiangsu", "China", 4, "CNY"),
    ("Suzhou", "Jiangsu", "China", 4, "CNY"),
    ("Xi'an", "Shaanxi", "China", 3, "CNY"),
    ("Chongqing", "Chongqing", "China", 4, "CNY"),
    ("Tianjin", "Tianjin", "China", 3, "CNY"),
    ("Changsha", "Hunan", "China", 3, "CNY"),
    ("Qingdao", "Shandong", "China", 3, "CNY"),
    ("Xiamen", "Fujian", "China", 2, "CNY"),
    ("Kunming", "Yunnan", "China", 2, "CNY"),
    ("Harbin", "Heilongjiang", "China", 2, "CNY"),
    ("Zhengzhou", "Henan", "China", 2, "CNY"),
    ("Hefei", "Anhui", "China", 2, "CNY"),
    ("Hong Kong", "Hong Kong", "China", 2, "CNY"),
    ("Singapore", "Singapore", "Singapore", 1, "USD"),
    ("New York", "New York", "United States", 1, "USD"),
    ("London", "England", "United Kingdom", 1, "EUR"),
    ("Paris", "Ile-de-France", "France", 1, "EUR"),
]

EMAIL_DOMAINS = ["qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com", "foxmail.com"]
MOBILE_PREFIXES = [130, 131, 132, 133, 135, 136, 137, 139, 150, 151, 152, 155, 156, 158, 159,
                   177, 180, 182, 185, 186, 187, 188, 189, 199]

LEAD_SOURCES = ["organic_search", "paid_search", "paid_social", "referral", "store", "wechat",
                "event", "email", "marketplace"]
LEAD_SOURCE_WEIGHTS = [18, 12, 14, 8, 18, 12, 4, 4, 10]

ORDER_CHANNELS = ["web", "app", "store", "marketplace"]
SOCIAL_PLATFORMS_CN = ["wechat", "weibo", "douyin", "xiaohongshu"]
SOCIAL_PLATFORMS_INTL = ["instagram", "x"]
SOCIAL_EVENT_TYPES = ["follow", "like", "comment", "share", "mention", "click", "message"]
SOCIAL_EVENT_WEIGHTS = [5, 45, 15, 10, 5, 15, 5]

CAMPAIGN_CHANNELS = ["email", "sms", "wechat", "paid_social", "paid_search", "display", "offline_event"]
CAMPAIGN_CHANNEL_WEIGHTS = [25, 15, 20, 15, 10, 10, 5]
DIRECT_CHANNELS = ("email", "sms", "wechat")
CAMPAIGN_OBJECTIVES = ["acquisition", "retention", "reactivation", "cross_sell"]

# category, median unit price in CNY, national brands
CATEGORIES = [
    ("skincare", 180, ["Lumiere", "Aqua Vera", "Pearl Bay"]),
    ("makeup", 150, ["Rouge Atelier", "Silk Tone", "Bloom"]),
    ("haircare", 60, ["Silkara", "Herbal Peak", "Nordic Mist"]),
    ("fragrance", 420, ["Maison Ode", "Cedar & Co", "Velvet Note"]),
    ("snacks", 25, ["Golden Crisp", "Lotus Bite", "Happy Panda"]),
    ("beverages", 18, ["Spring Leaf", "Mountain Tea", "Citrus Joy"]),
    ("baby", 120, ["Little Star", "Cloud Nine", "Tender Care"]),
    ("household", 40, ["Brightway", "Pure Home", "EcoNest"]),
    ("apparel", 200, ["Northline", "Urban Fold", "Linen Days"]),
    ("footwear", 380, ["Stride", "Cloudstep", "Trailmark"]),
    ("electronics", 650, ["Voltix", "Nimbus", "Auralink"]),
    ("pet", 80, ["Happy Paws", "Furly", "Whisker Co"]),
]
STORE_BRAND = "Maison Select"

SURVEY_COMMENTS = [
    "Fast delivery, great packaging",
    "客服很耐心，下次还会买",
    'The "gift box" was damaged, but support fixed it',
    "价格有点贵",
    "Love the new store-brand range",
    "物流太慢了",
    "Product as described; will recommend to friends",
    "App crashed at checkout, had to retry",
]
SOCIAL_TEXTS = [
    "好用！回购第三次了",
    "Where can I buy this in Chengdu?",
    "这个颜色太美了 #新品",
    "Loved the live stream today",
    "求链接",
    "Not worth the price tbh",
    "@friend 快来看",
    "Gifted this to my mum, she loves it",
]
