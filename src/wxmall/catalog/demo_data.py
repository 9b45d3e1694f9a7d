"""The demo computer store as compact tables. Pure data and pure functions: no database access here,
so the loader (`catalog/demo.py`) and the tests share one deterministic source.

A product row names its variant axes; its SKUs are the cross product of those axes. An option is
"value" or "value|+delta" with the price difference in yuan from the product's base price."""

from __future__ import annotations

import itertools
import zlib
from dataclasses import dataclass, field

# (slug, name, parent slug)
CATEGORIES: list[tuple[str, str, str | None]] = [
    ("laptops", "笔记本电脑", None),
    ("ultrabooks", "轻薄本", "laptops"),
    ("gaming-laptops", "游戏本", "laptops"),
    ("business-laptops", "商务本", "laptops"),
    ("desktops", "台式机", None),
    ("gaming-desktops", "游戏主机", "desktops"),
    ("all-in-ones", "一体机", "desktops"),
    ("mini-pcs", "迷你主机", "desktops"),
    ("monitors", "显示器", None),
    ("gaming-monitors", "电竞显示器", "monitors"),
    ("office-monitors", "办公显示器", "monitors"),
    ("design-monitors", "设计显示器", "monitors"),
    ("components", "电脑配件", None),
    ("cpus", "CPU", "components"),
    ("graphics-cards", "显卡", "components"),
    ("memory", "内存", "components"),
    ("ssds", "固态硬盘", "components"),
    ("motherboards", "主板", "components"),
    ("power-supplies", "电源", "components"),
    ("peripherals", "外设", None),
    ("keyboards", "键盘", "peripherals"),
    ("mice", "鼠标", "peripherals"),
    ("headsets", "耳机", "peripherals"),
    ("webcams", "摄像头", "peripherals"),
]

# One paragraph per top-level category, after the product's own introduction.
CATEGORY_NOTES = {
    "laptops": "所有配置均为品牌官方出厂规格，整机未拆封、未加装；发票随箱寄出，开机前请先检查外包装封条是否完好。"
    "首次开机建议连接电源完成系统初始化，电池续航会在几次完整充放电后达到标称水平。",
    "desktops": "主机为品牌原厂整机，内部走线与散热风道经过出厂调校。到货后请先取出机箱内的运输固定泡棉，"
    "再连接电源开机；如需加装内存或硬盘，请保留原厂标签以免影响保修。",
    "monitors": "面板出厂逐台校色并附校色报告，支持 VESA 壁挂。收货后请当面开箱检查屏幕，"
    "如发现亮点、坏点或漏光超出品牌标准，7 天内可直接换新。",
    "components": "配件为国行正品，支持官方序列号查询。安装前请确认主板接口、机箱空间与电源功率是否匹配，"
    "不确定时可把现有配置发给客服，工程师会帮您核对兼容性。",
    "peripherals": "外设支持主流系统即插即用，品牌驱动可在官网下载以自定义按键与灯效。"
    "包装内附说明书与连接线，无线款请先充电 30 分钟再配对。",
}

SERVICE_NOTE = (
    "本店为品牌授权经销商，正品行货，全国联保。支持 7 天无理由退货（已激活或拆封的电脑整机除外）、"
    "15 天质量问题换货；下单后 24 小时内顺丰发货，贵重商品全程保价。"
)


@dataclass(frozen=True)
class DemoSKU:
    code: str
    cpu: str
    memory: str
    storage: str
    colour: str
    extra_specs: dict
    price: int  # fen
    list_price: int  # fen; 0 = no strike-through price
    stock: int


@dataclass(frozen=True)
class DemoProduct:
    slug: str
    category: str
    brand: str
    title: str
    subtitle: str
    price: int  # base price in yuan; SKU prices add each option's delta
    about: str
    specs: dict
    axes: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    @property
    def description(self) -> str:
        root = _root_of(self.category)
        return "\n\n".join((self.about, CATEGORY_NOTES[root], SERVICE_NOTE))

    def skus(self) -> list[DemoSKU]:
        options = [[(axis, *_option(text)) for text in values] for axis, values in self.axes]
        result = []
        for n, combo in enumerate(itertools.product(*options), start=1):
            spec = {"cpu": "", "memory": "", "storage": "", "colour": ""}
            extra: dict[str, str] = {}
            delta = 0
            for axis, value, option_delta in combo:
                delta += option_delta
                if axis == "ms":  # memory and storage sold as a pair, "16GB/1TB"
                    spec["memory"], spec["storage"] = value.split("/")
                elif axis in spec:
                    spec[axis] = value
                else:
                    extra[axis] = value
            code = f"{self.slug.upper()}-{n:02d}"
            price = (self.price + delta) * 100
            result.append(
                DemoSKU(
                    code=code,
                    extra_specs=extra,
                    price=price,
                    list_price=_list_price(code, price),
                    stock=_stock(code),
                    **spec,
                )
            )
        return result

    @property
    def sales_count(self) -> int:
        # Cheaper things sell more; the hash spreads products of similar price apart.
        return (zlib.crc32(self.slug.encode()) % 900 + 30) * max(1, 12000 // max(self.price, 1)) // 4


def _option(text: str) -> tuple[str, int]:
    value, _, delta = text.partition("|")
    return value, int(delta) if delta else 0


def _root_of(category_slug: str) -> str:
    parents = {slug: parent for slug, _, parent in CATEGORIES}
    while parents[category_slug] is not None:
        category_slug = parents[category_slug]
    return category_slug


def _stock(code: str) -> int:
    """Deterministic stock with a realistic tail: about 1 SKU in 12 sold out, 1 in 12 nearly gone."""
    h = zlib.crc32(code.encode())
    bucket, rest = h % 12, h // 12  # independent bits for the bucket and the amount
    if bucket == 0:
        return 0
    if bucket == 1:
        return 1 + rest % 4
    return 8 + rest % 180


def _list_price(code: str, price: int) -> int:
    """About two SKUs in three show a strike-through price ~10% above, ending in 9 yuan."""
    if zlib.crc32(code.encode()) % 3 == 0:
        return 0
    yuan = price // 100
    return ((yuan * 110 // 100) // 100 + 1) * 100 * 100 - 100


def P(
    slug: str,
    category: str,
    brand: str,
    title: str,
    subtitle: str,
    price: int,
    about: str,
    specs: dict,
    **axes: tuple[str, ...],
) -> DemoProduct:
    order = ("cpu", "显卡", "ms", "memory", "storage")
    ranked = sorted(
        axes.items(),
        key=lambda kv: (
            order.index(kv[0]) if kv[0] in order else (len(order) + 1 if kv[0] == "colour" else len(order))
        ),
    )
    return DemoProduct(slug, category, brand, title, subtitle, price, about, specs, ranked)


U5H, U7H, U9H = "酷睿 Ultra 5 125H", "酷睿 Ultra 7 155H", "酷睿 Ultra 9 185H"
U5U, U7U = "酷睿 Ultra 5 125U", "酷睿 Ultra 7 155U"

PRODUCTS: list[DemoProduct] = [
    # --- 轻薄本 -------------------------------------------------------------------------------------
    P(
        "lenovo-xiaoxin-pro-14",
        "ultrabooks",
        "联想",
        "联想小新 Pro 14 2024 酷睿 Ultra 版",
        "2.8K 120Hz OLED 屏 · 84Wh 大电池 · 1.46kg",
        5499,
        "小新 Pro 14 把标压酷睿 Ultra 处理器装进 1.46kg 的全金属机身，性能释放可达 60W。"
        "2.8K OLED 屏支持 120Hz 高刷与 100% DCI-P3 色域，写代码、修图、追剧都细腻通透。",
        {
            "屏幕": "14 英寸 2.8K 120Hz OLED",
            "重量": "约 1.46kg",
            "电池": "84Wh",
            "接口": "雷电 4 ×1、USB-C ×1、USB-A ×2、HDMI 2.1",
        },
        cpu=(U5H, f"{U7H}|+700"),
        ms=("16GB/512GB", "32GB/1TB|+1000"),
        colour=("鸽子灰", "青山绿"),
    ),
    P(
        "huawei-matebook-14-2024",
        "ultrabooks",
        "华为",
        "华为 MateBook 14 2024",
        "2.8K OLED 触控屏 · 超级终端多屏协同",
        5999,
        "MateBook 14 与华为手机、平板组成超级终端，文件拖拽即传，手机应用可直接在电脑上运行。"
        "OLED 触控屏支持 M-Pencil 手写，开会记笔记一样顺手。",
        {
            "屏幕": "14.2 英寸 2.8K OLED 触控",
            "重量": "约 1.31kg",
            "电池": "70Wh",
            "系统": "Windows 11 家庭中文版",
        },
        cpu=(U5H, f"{U7H}|+1000"),
        ms=("16GB/1TB", "32GB/1TB|+800"),
        colour=("深空灰", "皓月银"),
    ),
    P(
        "xiaomi-redmibook-pro-14",
        "ultrabooks",
        "小米",
        "小米 Redmi Book Pro 14 2024",
        "2.8K 120Hz 高刷屏 · 小米澎湃智联",
        4999,
        "Redmi Book Pro 14 以全金属一体成型机身带来 14 英寸 2.8K 120Hz 屏幕，"
        "支持与小米手机、平板跨屏协同，剪贴板与文件自动互通。",
        {"屏幕": "14 英寸 2.8K 120Hz", "重量": "约 1.44kg", "电池": "80Wh", "接口": "雷电 4 ×2、USB-A、HDMI"},
        cpu=(U5H, f"{U7H}|+700"),
        ms=("16GB/1TB", "32GB/1TB|+600"),
        colour=("星辰灰",),
    ),
    P(
        "apple-macbook-air-13-m3",
        "ultrabooks",
        "苹果",
        "苹果 MacBook Air 13 英寸 M3",
        "M3 芯片 · 18 小时续航 · 无风扇静音设计",
        7999,
        "MacBook Air 搭载 M3 芯片，无风扇设计在任何负载下都安静无声，续航长达 18 小时。"
        "Liquid 视网膜显示屏支持 10 亿色，外接两台显示器时可合盖使用。",
        {
            "屏幕": "13.6 英寸 Liquid 视网膜显示屏",
            "重量": "约 1.24kg",
            "续航": "最长 18 小时",
            "系统": "macOS",
        },
        cpu=("Apple M3 (8 核 CPU, 10 核 GPU)",),
        ms=("16GB/256GB", "16GB/512GB|+1500", "24GB/512GB|+3000"),
        colour=("午夜色", "星光色"),
    ),
    P(
        "apple-macbook-pro-14-m4",
        "ultrabooks",
        "苹果",
        "苹果 MacBook Pro 14 英寸 M4",
        "M4 系列芯片 · XDR 显示屏 · 雷雳 5",
        12999,
        "MacBook Pro 14 英寸配备 Liquid 视网膜 XDR 显示屏，持续亮度 1000 尼特，峰值 1600 尼特。"
        "M4 Pro 版本支持雷雳 5，剪辑 8K 视频和编译大型工程都游刃有余。",
        {"屏幕": "14.2 英寸 Liquid 视网膜 XDR", "重量": "约 1.55kg", "续航": "最长 24 小时", "系统": "macOS"},
        cpu=("Apple M4 (10 核 CPU, 10 核 GPU)", "Apple M4 Pro (12 核 CPU, 16 核 GPU)|+4000"),
        ms=("16GB/512GB", "24GB/1TB|+3000"),
        colour=("深空黑色", "银色"),
    ),
    P(
        "asus-zenbook-14-oled",
        "ultrabooks",
        "华硕",
        "华硕灵耀 14 2024 OLED",
        "1.2kg 轻薄 · 3K 120Hz OLED · 75Wh",
        5999,
        "灵耀 14 采用陶瓷铝合金机身，重量仅约 1.2kg。3K OLED 屏通过德国莱茵护眼认证，"
        "配合 AI 降噪麦克风，远程会议清晰不串音。",
        {
            "屏幕": "14 英寸 3K 120Hz OLED",
            "重量": "约 1.2kg",
            "电池": "75Wh",
            "接口": "雷电 4 ×2、USB-A、HDMI 2.1",
        },
        cpu=(U5H, f"{U7H}|+800"),
        ms=("16GB/1TB", "32GB/1TB|+700"),
        colour=("星河蓝", "雪域白"),
    ),
    P(
        "dell-xps-13-9340",
        "ultrabooks",
        "戴尔",
        "戴尔 XPS 13 9340",
        "无边框 InfinityEdge 屏 · 隐形触控板 · CNC 铝合金",
        9999,
        "XPS 13 采用一体式玻璃触控板与触控功能键，机身仅 15.3mm 厚。"
        "InfinityEdge 窄边框让 13.4 英寸屏幕装进 11 英寸的机身。",
        {"屏幕": "13.4 英寸 FHD+ 120Hz", "重量": "约 1.19kg", "电池": "55Wh", "接口": "雷电 4 ×2"},
        cpu=(U5H, f"{U7H}|+1500"),
        ms=("16GB/512GB", "32GB/1TB|+2500"),
        colour=("石墨色", "铂金色"),
    ),
    P(
        "hp-starbook-pro-14",
        "ultrabooks",
        "惠普",
        "惠普星 Book Pro 14 锐龙版",
        "锐龙 7 8845H · 2.8K 120Hz 屏 · 金属机身",
        4999,
        "星 Book Pro 14 搭载锐龙 7 8845H 与 Radeon 780M 核显，轻度游戏与视频剪辑都能胜任。"
        "2.8K 120Hz 屏幕覆盖 100% sRGB 色域。",
        {"屏幕": "14 英寸 2.8K 120Hz", "重量": "约 1.39kg", "电池": "68Wh", "显卡": "Radeon 780M 核显"},
        cpu=("锐龙 7 8845H",),
        ms=("16GB/1TB", "32GB/1TB|+500"),
        colour=("月光银",),
    ),
    # --- 游戏本 -------------------------------------------------------------------------------------
    P(
        "lenovo-legion-y9000p-2024",
        "gaming-laptops",
        "联想",
        "联想拯救者 Y9000P 2024",
        "i9-14900HX · 2.5K 240Hz 电竞屏 · 霜刃 Pro 散热",
        9999,
        "拯救者 Y9000P 采用霜刃 Pro 散热系统，整机性能释放最高 175W，大型 3A 游戏高画质稳帧运行。"
        "2.5K 240Hz 电竞屏支持 G-SYNC，响应时间 3ms。",
        {"屏幕": "16 英寸 2.5K 240Hz", "重量": "约 2.5kg", "电池": "99.9Wh", "散热": "霜刃 Pro 双风扇四出风"},
        cpu=("酷睿 i9-14900HX",),
        显卡=("RTX 4060 8GB", "RTX 4070 8GB|+1500", "RTX 4080 12GB|+5000"),
        ms=("16GB/1TB", "32GB/1TB|+600"),
        colour=("碳晶灰",),
    ),
    P(
        "asus-rog-strix-scar-16",
        "gaming-laptops",
        "华硕",
        "华硕 ROG 枪神 8 Plus 超竞版",
        "Mini LED 240Hz · 液金导热 · 全功率显卡",
        12999,
        "枪神 8 Plus 配备 2.5K Mini LED 星云屏，1200 尼特峰值亮度，暗场细节纤毫毕现。"
        "CPU 采用液金导热，双烤依旧能维持高频。",
        {
            "屏幕": "18 英寸 2.5K 240Hz Mini LED",
            "重量": "约 3.1kg",
            "电池": "90Wh",
            "散热": "液金导热 + 三风扇",
        },
        cpu=("酷睿 i9-14900HX",),
        显卡=("RTX 4070 8GB", "RTX 4080 12GB|+4000"),
        ms=("16GB/1TB", "32GB/1TB|+800"),
    ),
    P(
        "dell-alienware-m16-r2",
        "gaming-laptops",
        "戴尔",
        "戴尔外星人 m16 R2",
        "酷睿 Ultra 标压 · 16 英寸 240Hz · AlienFX 灯效",
        13999,
        "外星人 m16 R2 比上一代更薄更轻，保留标志性的 AlienFX 灯效与 Cherry 超薄机械键盘选项。"
        "Alienware Command Center 可一键切换性能模式。",
        {"屏幕": "16 英寸 QHD+ 240Hz", "重量": "约 2.6kg", "电池": "90Wh", "键盘": "AlienFX 单键 RGB"},
        cpu=(U7H, f"{U9H}|+1500"),
        显卡=("RTX 4060 8GB", "RTX 4070 8GB|+2000"),
        ms=("16GB/1TB",),
    ),
    P(
        "hp-omen-10-16",
        "gaming-laptops",
        "惠普",
        "惠普暗影精灵 10 16.1 英寸",
        "2.5K 240Hz · 冰霜散热 · OMEN Gaming Hub",
        7999,
        "暗影精灵 10 搭载冰霜散热系统与四面进风设计，键盘区在高负载下依然温和。"
        "OMEN Gaming Hub 支持一键超频与网络加速。",
        {"屏幕": "16.1 英寸 2.5K 240Hz", "重量": "约 2.4kg", "电池": "83Wh", "散热": "冰霜散热 + 四面进风"},
        cpu=("酷睿 i7-14650HX", "酷睿 i9-14900HX|+1000"),
        显卡=("RTX 4060 8GB", "RTX 4070 8GB|+1200"),
        ms=("16GB/1TB",),
    ),
    P(
        "mechrevo-jiaolong-16-pro",
        "gaming-laptops",
        "机械革命",
        "机械革命蛟龙 16 Pro",
        "锐龙 9 7945HX 十六核 · 2.5K 240Hz · 高性价比",
        6499,
        "蛟龙 16 Pro 以十六核锐龙 9 7945HX 带来桌面级多核性能，渲染、编译和游戏多开都不拖沓。"
        "显卡满血释放，独显直连可一键切换。",
        {"屏幕": "16 英寸 2.5K 240Hz", "重量": "约 2.5kg", "电池": "80Wh", "散热": "双风扇五热管"},
        cpu=("锐龙 9 7945HX",),
        显卡=("RTX 4060 8GB", "RTX 4070 8GB|+1300"),
        ms=("16GB/1TB", "32GB/1TB|+500"),
    ),
    P(
        "asus-tianxuan-5-pro",
        "gaming-laptops",
        "华硕",
        "华硕天选 5 Pro",
        "i9 可选 · 2.5K 165Hz 电竞屏 · 潮流外观",
        7499,
        "天选 5 Pro 延续潮流设计，A 面光影灯效可自定义。165Hz 广色域电竞屏兼顾游戏与创作，"
        "双 USB-C 接口均支持 PD 充电。",
        {"屏幕": "16 英寸 2.5K 165Hz", "重量": "约 2.3kg", "电池": "90Wh", "显卡": "RTX 4060 8GB"},
        cpu=("酷睿 i7-13650HX", "酷睿 i9-14900HX|+1200"),
        ms=("16GB/1TB", "32GB/1TB|+600"),
        colour=("日蚀灰", "魔幻青"),
    ),
    # --- 商务本 -------------------------------------------------------------------------------------
    P(
        "lenovo-thinkpad-x1-carbon-2024",
        "business-laptops",
        "联想",
        "联想 ThinkPad X1 Carbon AI 2024",
        "1.08kg 碳纤维 · 2.8K OLED · 军标品质",
        12999,
        "X1 Carbon 采用碳纤维与镁合金机身，通过 12 项美国军标测试。"
        "经典小红点与 1.5mm 键程键盘打字舒适，支持 vPro 企业级远程管理。",
        {
            "屏幕": "14 英寸 2.8K OLED",
            "重量": "约 1.08kg",
            "电池": "57Wh",
            "安全": "指纹识别 + 红外人脸 + dTPM 2.0",
        },
        cpu=(U5U, f"{U7U}|+1800"),
        ms=("16GB/512GB", "32GB/1TB|+2200"),
        colour=("深邃黑",),
    ),
    P(
        "lenovo-thinkpad-t14-2024",
        "business-laptops",
        "联想",
        "联想 ThinkPad T14 2024",
        "企业主力机型 · 可更换内存 · 全接口",
        6999,
        "T14 是企业采购的常青款，接口齐全，无需转接头即可连接投影与网线。"
        "内存插槽可扩展，适合需要长期使用的办公环境。",
        {
            "屏幕": "14 英寸 WUXGA 防眩光",
            "重量": "约 1.37kg",
            "电池": "52.5Wh",
            "接口": "雷电 4、USB-A ×2、HDMI、RJ45",
        },
        cpu=(U5U, f"{U7U}|+1200"),
        ms=("16GB/512GB", "32GB/1TB|+1500"),
    ),
    P(
        "dell-latitude-7450",
        "business-laptops",
        "戴尔",
        "戴尔 Latitude 7450 商用笔记本",
        "酷睿 Ultra vPro · 碳纤维 · 5G 可选",
        9499,
        "Latitude 7450 面向移动办公设计，支持 vPro 远程管理与 BIOS 级安全防护。"
        "智能降噪摄像头在视频会议中自动补光、跟随取景。",
        {"屏幕": "14 英寸 FHD+ 防眩光", "重量": "约 1.34kg", "电池": "57Wh", "安全": "指纹 + 智能读卡器"},
        cpu=("酷睿 Ultra 5 135U", "酷睿 Ultra 7 165U|+1500"),
        ms=("16GB/512GB", "32GB/1TB|+1800"),
    ),
    P(
        "hp-elitebook-840-g11",
        "business-laptops",
        "惠普",
        "惠普 EliteBook 840 G11",
        "Wolf Security 安全 · 5MP 摄像头 · 商务旗舰",
        8999,
        "EliteBook 840 G11 内置 HP Wolf Security，BIOS 自愈与硬件级隔离保护企业数据。"
        "500 万像素摄像头配合 AI 降噪麦克风，会议效果清晰自然。",
        {"屏幕": "14 英寸 WUXGA", "重量": "约 1.35kg", "电池": "56Wh", "安全": "HP Wolf Security"},
        cpu=(U5U, f"{U7U}|+1300"),
        ms=("16GB/512GB", "32GB/1TB|+1600"),
    ),
    P(
        "huawei-matebook-x-pro-2024",
        "business-laptops",
        "华为",
        "华为 MateBook X Pro 2024",
        "980g 微绒机身 · 3.1K OLED 触控 · 酷睿 Ultra 9",
        11999,
        "MateBook X Pro 2024 采用微绒金属工艺，重量仅约 980g。3.1K OLED 触控屏支持 1 到 120Hz 动态刷新，"
        "续航与观感兼得。",
        {
            "屏幕": "14.2 英寸 3.1K OLED 触控",
            "重量": "约 980g",
            "电池": "70Wh",
            "系统": "Windows 11 家庭中文版",
        },
        cpu=(U7H, f"{U9H}|+2000"),
        ms=("16GB/1TB", "32GB/2TB|+2500"),
        colour=("宝石蓝", "砚黑"),
    ),
    # --- 台式机 -------------------------------------------------------------------------------------
    P(
        "lenovo-legion-blade-7000k",
        "gaming-desktops",
        "联想",
        "联想拯救者刃 7000K 2024 游戏主机",
        "14 代酷睿 · RTX 40 系 · 免工具开仓",
        7999,
        "刃 7000K 采用免工具开仓设计，显卡、内存、硬盘升级都无需螺丝刀。"
        "水冷可选，满载噪音控制在 40 分贝以内。",
        {
            "机箱": "ATX 中塔，免工具开仓",
            "电源": "750W 金牌",
            "散热": "240mm 水冷",
            "系统": "Windows 11 家庭中文版",
        },
        cpu=("酷睿 i7-14700F", "酷睿 i9-14900KF|+1500"),
        显卡=("RTX 4060 Ti 8GB", "RTX 4070 SUPER 12GB|+1800"),
        ms=("16GB/1TB", "32GB/1TB|+600"),
    ),
    P(
        "hp-omen-25l-desktop",
        "gaming-desktops",
        "惠普",
        "惠普暗影精灵 10 台式游戏主机",
        "RTX 40 SUPER · 钢化玻璃侧透 · OMEN Light Studio",
        8499,
        "暗影精灵台式主机采用前置网孔面板与三风扇风道，显卡长时间高负载依旧凉爽。"
        "钢化玻璃侧透配合 OMEN Light Studio，灯效可与外设联动。",
        {
            "机箱": "25L 中塔，侧透",
            "电源": "800W 金牌",
            "散热": "三风扇风道",
            "系统": "Windows 11 家庭中文版",
        },
        cpu=("酷睿 i7-14700F",),
        显卡=("RTX 4060 Ti 8GB", "RTX 4070 Ti SUPER 16GB|+3000"),
        ms=("32GB/1TB", "32GB/2TB|+500"),
    ),
    P(
        "dell-alienware-aurora-r16",
        "gaming-desktops",
        "戴尔",
        "戴尔外星人 Aurora R16 游戏主机",
        "i9-14900KF · RTX 4080 SUPER · 静音风道",
        16999,
        "Aurora R16 相比上一代体积缩小 40%，垂直风道让散热更安静。"
        "支持 240mm 水冷与 RTX 4080 SUPER，4K 游戏帧数稳定。",
        {
            "机箱": "Legend 3 机箱，40L",
            "电源": "1000W 白金",
            "散热": "240mm 水冷",
            "系统": "Windows 11 家庭中文版",
        },
        cpu=("酷睿 i7-14700KF", "酷睿 i9-14900KF|+2000"),
        显卡=("RTX 4070 SUPER 12GB", "RTX 4080 SUPER 16GB|+5000"),
        ms=("32GB/1TB",),
    ),
    P(
        "apple-imac-24-m4",
        "all-in-ones",
        "苹果",
        "苹果 iMac 24 英寸 M4",
        "4.5K 视网膜屏 · 11.5mm 超薄 · 七种配色",
        10999,
        "iMac 机身仅 11.5mm 厚，4.5K 视网膜显示屏支持 10 亿色与 500 尼特亮度。"
        "1200 万像素摄像头支持人物居中，配套的妙控键盘与鼠标同色。",
        {"屏幕": "23.5 英寸 4.5K 视网膜", "厚度": "11.5mm", "接口": "雷雳 / USB 4 ×2 或 ×4", "系统": "macOS"},
        cpu=("Apple M4 (8 核 CPU, 8 核 GPU)", "Apple M4 (10 核 CPU, 10 核 GPU)|+1500"),
        ms=("16GB/256GB", "16GB/512GB|+1500"),
        colour=("蓝色", "银色"),
    ),
    P(
        "huawei-matestation-x-2023",
        "all-in-ones",
        "华为",
        "华为 MateStation X 2023 一体机",
        "28.2 英寸 4K+ 触控屏 · 3:2 生产力比例",
        8999,
        "MateStation X 采用 28.2 英寸 4K+ 触控屏与 3:2 比例，文档与网页能多显示一屏内容。"
        "与华为平板协同后，平板可作为手绘副屏使用。",
        {
            "屏幕": "28.2 英寸 4K+ 触控",
            "音响": "六扬声器",
            "摄像头": "升降式 800 万像素",
            "系统": "Windows 11 家庭中文版",
        },
        cpu=("酷睿 i5-13500H", "酷睿 i7-13700H|+2000"),
        ms=("16GB/512GB", "32GB/1TB|+1000"),
    ),
    P(
        "lenovo-xiaoxin-27-aio",
        "all-in-ones",
        "联想",
        "联想小新 27 一体机",
        "27 英寸 2K 护眼屏 · 一根线整洁桌面",
        4499,
        "小新 27 一体机把主机藏进底座，一根电源线即可工作，适合家庭与前台使用。屏幕通过德国莱茵低蓝光认证。",
        {
            "屏幕": "27 英寸 2K IPS",
            "音响": "双 5W 扬声器",
            "摄像头": "500 万像素隐私摄像头",
            "系统": "Windows 11 家庭中文版",
        },
        cpu=("酷睿 i5-13420H", "酷睿 i7-13620H|+800"),
        ms=("16GB/512GB", "16GB/1TB|+400"),
        colour=("云雾白",),
    ),
    P(
        "apple-mac-mini-m4",
        "mini-pcs",
        "苹果",
        "苹果 Mac mini M4",
        "12.7cm 见方 · M4 芯片 · 前置 USB-C",
        4499,
        "全新 Mac mini 只有 12.7cm 见方，却能带动三台显示器。"
        "前置两个 USB-C 与耳机孔，插拔 U 盘和耳机不必再摸到背后。",
        {"尺寸": "12.7 × 12.7 × 5.0cm", "接口": "雷雳 4 ×3、USB-C ×2、HDMI、千兆网口", "系统": "macOS"},
        cpu=("Apple M4 (10 核 CPU, 10 核 GPU)",),
        ms=("16GB/256GB", "16GB/512GB|+1500", "24GB/512GB|+3000"),
    ),
    P(
        "beelink-ser8",
        "mini-pcs",
        "零刻",
        "零刻 SER8 迷你主机",
        "锐龙 7 8745HS · 双 2.5G 网口 · 手掌大小",
        2999,
        "SER8 以 0.5L 的机身带来锐龙 7 8745HS 与 780M 核显，日常办公与 1080P 网游都流畅。"
        "支持 VESA 背挂，可藏在显示器后面。",
        {"尺寸": "13.5 × 13.5 × 4.4cm", "接口": "USB4、HDMI、DP、2.5G 网口", "系统": "Windows 11 家庭中文版"},
        cpu=("锐龙 7 8745HS",),
        ms=("16GB/512GB", "32GB/1TB|+400"),
        colour=("深空灰",),
    ),
    P(
        "lenovo-thinkcentre-neo-ultra",
        "mini-pcs",
        "联想",
        "联想 ThinkCentre neo Ultra 迷你主机",
        "3.6L 小机箱 · 独立显卡 · 企业级可靠",
        6999,
        "neo Ultra 在 3.6L 的体积里放下了独立显卡，适合设计工作室与交易席位。"
        "前置 USB-C 与读卡器方便日常拷贝素材。",
        {
            "尺寸": "3.6L",
            "显卡": "RTX 4060 8GB",
            "接口": "USB-C、HDMI ×2、DP ×2",
            "系统": "Windows 11 专业版",
        },
        cpu=("酷睿 i5-14500", "酷睿 i7-14700|+1500"),
        ms=("16GB/512GB", "32GB/1TB|+900"),
    ),
    P(
        "dell-optiplex-7020-micro",
        "mini-pcs",
        "戴尔",
        "戴尔 OptiPlex 7020 Micro 商用迷你主机",
        "1.1L 微型机箱 · 三年上门服务",
        4599,
        "OptiPlex 7020 Micro 可挂在显示器背后或桌下，适合收银台与会议室。"
        "默认提供三年上门服务，企业批量部署省心。",
        {"尺寸": "1.1L", "接口": "USB-C、DP ×2、HDMI", "服务": "三年上门", "系统": "Windows 11 专业版"},
        cpu=("酷睿 i3-14100T", "酷睿 i5-14500T|+900"),
        ms=("8GB/256GB", "16GB/512GB|+600"),
    ),
    # --- 显示器 -------------------------------------------------------------------------------------
    P(
        "samsung-odyssey-g5-27",
        "gaming-monitors",
        "三星",
        "三星玄龙骑士 G5 2K 180Hz 曲面电竞显示器",
        "1000R 曲率 · 180Hz · 1ms",
        1699,
        "玄龙骑士 G5 采用 1000R 曲面，视野包围感更强，竞技游戏中目光移动更少。"
        "180Hz 刷新率与 1ms 响应时间，画面拖影几乎不可见。",
        {"分辨率": "2560 × 1440", "刷新率": "180Hz", "面板": "VA 曲面 1000R", "接口": "HDMI 2.0、DP 1.4"},
        尺寸=("27 英寸", "32 英寸|+500"),
    ),
    P(
        "asus-rog-pg27aqdm",
        "gaming-monitors",
        "华硕",
        "华硕 ROG Swift OLED PG27AQDM 电竞显示器",
        "27 英寸 OLED · 240Hz · 0.03ms",
        5999,
        "PG27AQDM 采用 OLED 面板，像素级控光带来真正的纯黑，0.03ms 响应让快速画面清清楚楚。"
        "定制散热片降低烧屏风险，并提供三年烧屏保修。",
        {"分辨率": "2560 × 1440", "刷新率": "240Hz", "面板": "WOLED", "保修": "三年，含烧屏"},
        套餐=("标配", "标配 + ROG 桌垫|+99"),
    ),
    P(
        "lg-27gr93u",
        "gaming-monitors",
        "LG",
        "LG 27GR93U 4K 144Hz 电竞显示器",
        "4K 144Hz · Nano IPS · HDMI 2.1",
        3299,
        "27GR93U 兼顾 4K 清晰度与 144Hz 流畅度，HDMI 2.1 满足主机游戏 4K 120Hz 输出。"
        "支持升降旋转，竖屏看代码也方便。",
        {"分辨率": "3840 × 2160", "刷新率": "144Hz", "面板": "IPS", "接口": "HDMI 2.1 ×2、DP 1.4"},
        套餐=("标配", "标配 + 单屏支架臂|+299"),
    ),
    P(
        "aoc-q27g3",
        "gaming-monitors",
        "AOC",
        "AOC Q27G3 2K 180Hz 电竞显示器",
        "Fast IPS · 180Hz · 升降底座",
        1099,
        "Q27G3 是入门 2K 高刷的热门选择，Fast IPS 面板色彩准确，可视角度大。"
        "升降旋转底座标配，适合长时间使用。",
        {"分辨率": "2560 × 1440", "刷新率": "180Hz", "面板": "Fast IPS", "接口": "HDMI ×2、DP"},
        colour=("黑色", "白色|+50"),
    ),
    P(
        "dell-u2724d",
        "office-monitors",
        "戴尔",
        "戴尔 UltraSharp U2724D 2K 办公显示器",
        "IPS Black 面板 · 120Hz · 舒视宝护眼",
        3199,
        "U2724D 采用 IPS Black 技术，对比度达 2000:1，文字边缘锐利。"
        "120Hz 刷新让滚动网页与表格更顺滑，舒视宝技术全时段降低蓝光。",
        {"分辨率": "2560 × 1440", "刷新率": "120Hz", "面板": "IPS Black", "接口": "HDMI、DP ×2、USB Hub"},
        尺寸=("27 英寸",),
        套餐=("标配", "标配 + 单屏支架臂|+299"),
    ),
    P(
        "xiaomi-redmi-a27u",
        "office-monitors",
        "小米",
        "小米 Redmi 27 英寸 4K 显示器 A27U",
        "4K IPS · Type-C 90W 反向充电 · 高性价比",
        1399,
        "Redmi A27U 以亲民价格提供 4K 分辨率与 Type-C 一线连接，笔记本插上即可投屏并充电。"
        "出厂校色 ΔE<2，兼顾办公与轻度修图。",
        {"分辨率": "3840 × 2160", "面板": "IPS", "色域": "100% sRGB", "接口": "Type-C 90W、HDMI ×2、DP"},
        版本=("标准版", "Type-C 版|+300"),
    ),
    P(
        "dell-u3225qe",
        "office-monitors",
        "戴尔",
        "戴尔 UltraSharp U3225QE 4K 120Hz 显示器",
        "31.5 英寸 · 4K 120Hz · 雷电 4 一线通",
        6499,
        "U3225QE 是首批 4K 120Hz 的办公旗舰，雷电 4 接口支持 140W 供电与菊花链，"
        "内置 2.5G 网口，笔记本接一根线就是完整工位。",
        {"分辨率": "3840 × 2160", "刷新率": "120Hz", "面板": "IPS Black", "接口": "雷电 4 140W、2.5G 网口"},
        套餐=("标配", "标配 + 三年上门服务|+399"),
    ),
    P(
        "benq-pd2706u",
        "design-monitors",
        "明基",
        "明基 PD2706U 4K 设计显示器",
        "4K · 95% P3 · Mac 色彩一致",
        3999,
        "PD2706U 针对设计师调校，支持 M-book 模式，与 MacBook 屏幕色彩一致。"
        "附带快捷旋钮，切换色彩模式不必进入菜单。",
        {"分辨率": "3840 × 2160", "色域": "95% DCI-P3", "面板": "IPS", "接口": "雷电 3 90W、HDMI、DP"},
        套餐=("标配", "标配 + 遮光罩|+399"),
    ),
    P(
        "huawei-mateview-28",
        "design-monitors",
        "华为",
        "华为 MateView 28.2 英寸 4K+ 显示器",
        "3:2 比例 · 4K+ · 无线投屏",
        3799,
        "MateView 采用 3:2 生产力比例与 3840 × 2560 分辨率，文档一屏多显示 18% 内容。"
        "无线版支持手机、电脑一碰投屏。",
        {"分辨率": "3840 × 2560", "色域": "98% DCI-P3", "比例": "3:2", "接口": "Type-C 65W、HDMI、mini DP"},
        版本=("标准版", "无线版|+700"),
    ),
    P(
        "apple-studio-display",
        "design-monitors",
        "苹果",
        "苹果 Studio Display 27 英寸 5K",
        "5K 视网膜 · 600 尼特 · 人物居中摄像头",
        11499,
        "Studio Display 拥有 5K 视网膜屏与 10 亿色显示，内置六扬声器与录音棚级麦克风。"
        "1200 万像素超广角摄像头支持人物居中。",
        {"分辨率": "5120 × 2880", "亮度": "600 尼特", "接口": "雷雳 3、USB-C ×3", "音响": "六扬声器空间音频"},
        玻璃=("标准玻璃", "纳米纹理玻璃|+2500"),
        支架=("倾斜度可调支架", "倾斜度和高度可调支架|+3000"),
    ),
    # --- 配件：CPU ----------------------------------------------------------------------------------
    P(
        "amd-ryzen-7-9800x3d",
        "cpus",
        "AMD",
        "AMD 锐龙 7 9800X3D 游戏处理器",
        "8 核 16 线程 · 3D V-Cache · AM5",
        3999,
        "9800X3D 采用第二代 3D V-Cache，96MB 三级缓存让游戏帧数领先同级。"
        "缓存移到核心下方后散热更好，可以超频。",
        {"核心/线程": "8 / 16", "加速频率": "5.2GHz", "三级缓存": "96MB", "接口": "AM5", "TDP": "120W"},
        cpu=("锐龙 7 9800X3D",),
        版本=("盒装", "散片|-200"),
    ),
    P(
        "amd-ryzen-5-7500f",
        "cpus",
        "AMD",
        "AMD 锐龙 5 7500F 处理器",
        "6 核 12 线程 · AM5 · 装机性价比",
        899,
        "7500F 是 AM5 平台的入门甜点，六核十二线程足以带动 RTX 4060 级别显卡。"
        "无核显版本，需搭配独立显卡使用。",
        {"核心/线程": "6 / 12", "加速频率": "5.0GHz", "三级缓存": "32MB", "接口": "AM5", "TDP": "65W"},
        cpu=("锐龙 5 7500F",),
        版本=("盒装", "散片|-100"),
    ),
    P(
        "intel-core-i5-14600kf",
        "cpus",
        "英特尔",
        "英特尔酷睿 i5-14600KF 处理器",
        "14 核 20 线程 · 可超频 · LGA1700",
        1799,
        "i5-14600KF 拥有 6 个性能核与 8 个能效核，游戏与多任务都游刃有余。不锁倍频，可在 Z790 主板上超频。",
        {"核心/线程": "14 / 20", "加速频率": "5.3GHz", "三级缓存": "24MB", "接口": "LGA1700", "TDP": "125W"},
        cpu=("酷睿 i5-14600KF",),
        版本=("盒装", "散片|-150"),
    ),
    P(
        "intel-core-ultra-7-265k",
        "cpus",
        "英特尔",
        "英特尔酷睿 Ultra 7 265K 处理器",
        "20 核 · 内置 NPU · LGA1851",
        2999,
        "酷睿 Ultra 7 265K 基于全新架构，功耗比上一代显著降低，并首次在桌面处理器中集成 NPU。"
        "需搭配 800 系列主板。",
        {"核心/线程": "20 / 20", "加速频率": "5.5GHz", "三级缓存": "30MB", "接口": "LGA1851", "TDP": "125W"},
        cpu=("酷睿 Ultra 7 265K",),
        版本=("盒装", "散片|-200"),
    ),
    # --- 配件：显卡 ---------------------------------------------------------------------------------
    P(
        "nvidia-rtx-5080-fe",
        "graphics-cards",
        "英伟达",
        "英伟达 GeForce RTX 5080 Founders Edition",
        "Blackwell 架构 · DLSS 4 · 双槽公版",
        8299,
        "RTX 5080 公版采用双槽双风扇贯穿式散热，体积紧凑，适合中小机箱。"
        "DLSS 4 多帧生成让 4K 光追游戏帧数成倍提升。",
        {"显存": "16GB GDDR7", "接口": "PCIe 5.0 ×16", "供电": "12V-2×6", "建议电源": "850W"},
        套餐=("标配", "标配 + 1000W 金牌电源|+899"),
    ),
    P(
        "asus-tuf-rtx-4070-super",
        "graphics-cards",
        "华硕",
        "华硕 TUF GeForce RTX 4070 SUPER 12G",
        "军规用料 · 三风扇 · 2K 高画质",
        5199,
        "TUF 系列采用军规级电容与金属背板，三风扇设计在满载时依旧安静。"
        "2K 分辨率下光追全开也能流畅运行主流 3A 大作。",
        {"显存": "12GB GDDR6X", "接口": "PCIe 4.0 ×16", "供电": "16pin", "建议电源": "750W"},
        版本=("标准版", "OC 超频版|+200"),
    ),
    P(
        "colorful-igame-rtx-4060-ti",
        "graphics-cards",
        "七彩虹",
        "七彩虹 iGame GeForce RTX 4060 Ti Ultra W OC",
        "白色主题 · 一键超频 · 1080P 光追",
        3199,
        "Ultra W 系列采用白色外观，适合海景房主题装机。一键超频按钮即可提升核心频率。",
        {"接口": "PCIe 4.0 ×8", "供电": "8pin", "建议电源": "550W", "长度": "301mm"},
        显存=("8GB", "16GB|+700"),
    ),
    P(
        "msi-rtx-4060-ventus",
        "graphics-cards",
        "微星",
        "微星 GeForce RTX 4060 VENTUS 2X 8G",
        "双风扇 · 短卡 · ITX 友好",
        2399,
        "VENTUS 2X 长度仅约 199mm，几乎能装进所有 ITX 机箱。8pin 单接口供电，老电源也能带动。",
        {"显存": "8GB GDDR6", "接口": "PCIe 4.0 ×8", "建议电源": "550W", "长度": "199mm"},
        colour=("黑色", "白色|+50"),
    ),
    P(
        "amd-radeon-rx-7800-xt",
        "graphics-cards",
        "AMD",
        "AMD Radeon RX 7800 XT 16GB",
        "16GB 大显存 · 2K 高刷 · FSR 3",
        3799,
        "RX 7800 XT 以 16GB 显存应对高分辨率材质包，2K 高刷游戏性价比突出。支持 FSR 3 帧生成与 AV1 编码。",
        {"显存": "16GB GDDR6", "接口": "PCIe 4.0 ×16", "建议电源": "700W", "长度": "267mm"},
        套餐=("标配", "标配 + 显卡支架|+49"),
    ),
    # --- 配件：内存 ---------------------------------------------------------------------------------
    P(
        "kingston-fury-beast-ddr5",
        "memory",
        "金士顿",
        "金士顿 FURY Beast 野兽 DDR5 台式机内存",
        "EXPO / XMP 一键超频 · 低矮散热片",
        699,
        "FURY Beast DDR5 同时支持 Intel XMP 3.0 与 AMD EXPO，开启即可达到标称频率。"
        "低矮散热片兼容大型风冷散热器。",
        {"类型": "DDR5", "时序": "CL36", "电压": "1.35V", "保修": "终身保固"},
        memory=("16GB×2", "32GB×2|+700"),
        频率=("6000MHz", "6400MHz|+100"),
    ),
    P(
        "gskill-trident-z5-rgb",
        "memory",
        "芝奇",
        "芝奇幻锋戟 Trident Z5 RGB DDR5",
        "6000MHz CL30 · 铝合金马甲 · RGB 灯条",
        899,
        "幻锋戟 Z5 采用拉丝铝合金马甲与全长 RGB 灯条，低时序颗粒适合追求极致延迟的玩家。",
        {"类型": "DDR5", "频率": "6000MHz", "时序": "CL30", "电压": "1.35V"},
        memory=("16GB×2", "24GB×2|+300", "32GB×2|+800"),
        colour=("银色", "黑色"),
    ),
    P(
        "samsung-ddr5-5600-sodimm",
        "memory",
        "三星",
        "三星 DDR5 5600 笔记本内存条",
        "原厂颗粒 · 即插即用 · 笔记本升级",
        299,
        "三星原厂笔记本内存，兼容主流 DDR5 笔记本，无需设置即可识别。",
        {"类型": "DDR5 SO-DIMM", "频率": "5600MHz", "电压": "1.1V"},
        memory=("16GB", "32GB|+300"),
    ),
    # --- 配件：固态硬盘 -----------------------------------------------------------------------------
    P(
        "samsung-990-pro",
        "ssds",
        "三星",
        "三星 990 PRO NVMe M.2 固态硬盘",
        "PCIe 4.0 · 读取 7450MB/s · 自研主控",
        799,
        "990 PRO 采用三星自研主控与 V-NAND 闪存，随机读写性能出色，适合游戏与剪辑素材盘。"
        "Magician 软件可一键检测健康度。",
        {"接口": "M.2 2280 PCIe 4.0 ×4", "顺序读取": "7450MB/s", "顺序写入": "6900MB/s", "保修": "5 年"},
        storage=("1TB", "2TB|+600", "4TB|+1900"),
    ),
    P(
        "wd-black-sn850x",
        "ssds",
        "西部数据",
        "西部数据 WD_BLACK SN850X 游戏固态硬盘",
        "PCIe 4.0 · 7300MB/s · 游戏模式 2.0",
        699,
        "SN850X 针对游戏加载优化，开启游戏模式 2.0 后读取更稳定。散热片版本适合 PS5 扩容。",
        {"接口": "M.2 2280 PCIe 4.0 ×4", "顺序读取": "7300MB/s", "顺序写入": "6600MB/s", "保修": "5 年"},
        storage=("1TB", "2TB|+500", "4TB|+1700"),
        散热片=("无散热片", "带散热片|+100"),
    ),
    P(
        "zhitai-tiplus7100",
        "ssds",
        "致态",
        "致态 TiPlus7100 NVMe 固态硬盘",
        "长江存储晶栈 3.0 · 7000MB/s · 国产颗粒",
        449,
        "TiPlus7100 采用长江存储晶栈 Xtacking 3.0 闪存，无缓存设计功耗低，笔记本升级也适合。",
        {"接口": "M.2 2280 PCIe 4.0 ×4", "顺序读取": "7000MB/s", "顺序写入": "6000MB/s", "保修": "5 年"},
        storage=("1TB", "2TB|+400", "4TB|+1200"),
    ),
    P(
        "wd-blue-sn580",
        "ssds",
        "西部数据",
        "西部数据 WD Blue SN580 固态硬盘",
        "PCIe 4.0 入门 · 4150MB/s · 低功耗",
        299,
        "SN580 是老电脑提速的实惠选择，兼容 PCIe 3.0 插槽，功耗低、发热小。",
        {"接口": "M.2 2280 PCIe 4.0 ×4", "顺序读取": "4150MB/s", "保修": "5 年"},
        storage=("500GB", "1TB|+150", "2TB|+500"),
    ),
    # --- 配件：主板与电源 ---------------------------------------------------------------------------
    P(
        "asus-tuf-b650m-plus",
        "motherboards",
        "华硕",
        "华硕 TUF GAMING B650M-PLUS 重炮手主板",
        "AM5 · 12+2 相供电 · DDR5",
        1299,
        "重炮手 B650M-PLUS 采用 12+2 相供电，带得动锐龙 9 系列处理器。双 M.2 插槽均带散热马甲。",
        {"芯片组": "AMD B650", "板型": "M-ATX", "内存": "DDR5 ×4", "M.2": "2 个"},
        版本=("标准版", "WIFI 版|+150"),
    ),
    P(
        "msi-mag-b760m-mortar",
        "motherboards",
        "微星",
        "微星 MAG B760M MORTAR 迫击炮主板",
        "LGA1700 · DDR5 · 迫击炮经典款",
        999,
        "迫击炮是装机常青款，做工扎实，BIOS 易用，支持 13/14 代酷睿处理器。",
        {"芯片组": "Intel B760", "板型": "M-ATX", "内存": "DDR5 ×4", "M.2": "2 个"},
        版本=("DDR5", "DDR5 WIFI 版|+200"),
    ),
    P(
        "corsair-rm850x",
        "power-supplies",
        "海盗船",
        "海盗船 RM850x 金牌全模组电源",
        "80 PLUS 金牌 · 全模组 · 10 年质保",
        849,
        "RM850x 采用全日系电容与磁悬浮风扇，低负载时风扇停转完全静音，提供 10 年质保。",
        {"认证": "80 PLUS 金牌", "模组": "全模组", "风扇": "135mm 磁悬浮", "质保": "10 年"},
        功率=("850W", "1000W|+300"),
        colour=("黑色", "白色|+50"),
    ),
    P(
        "asus-rog-thor-ii",
        "power-supplies",
        "华硕",
        "华硕 ROG 雷神 II 白金全模组电源",
        "80 PLUS 白金 · OLED 功率显示 · ATX 3.0",
        1899,
        "ROG 雷神 II 侧面 OLED 屏实时显示功耗，原生 12VHPWR 接口可直接连接 RTX 40 系显卡。",
        {"认证": "80 PLUS 白金", "标准": "ATX 3.0", "模组": "全模组", "质保": "10 年"},
        功率=("1000W", "1200W|+500"),
    ),
    # --- 外设：键盘 ---------------------------------------------------------------------------------
    P(
        "logitech-mx-keys-s",
        "keyboards",
        "罗技",
        "罗技 MX Keys S 无线智能键盘",
        "Smart Actions · 背光感应 · 三设备切换",
        799,
        "MX Keys S 的球面凹陷键帽贴合指尖，背光会在手靠近时自动亮起。"
        "支持三台设备一键切换，Smart Actions 可把重复操作变成一个按键。",
        {"连接": "蓝牙 / Logi Bolt", "续航": "背光开启 10 天，关闭 5 个月", "兼容": "Windows、macOS、iPadOS"},
        colour=("石墨黑", "珍珠白"),
    ),
    P(
        "logitech-g913-tkl",
        "keyboards",
        "罗技",
        "罗技 G913 TKL 无线机械游戏键盘",
        "LIGHTSPEED 无线 · 矮轴 · 铝合金面板",
        1299,
        "G913 TKL 采用 GL 矮轴机械轴，厚度仅 22mm，LIGHTSPEED 无线延迟与有线相当。"
        "航空铝合金面板坚固耐用，满电可玩 40 小时。",
        {"连接": "LIGHTSPEED 无线 / 蓝牙 / 有线", "键数": "87 键", "续航": "约 40 小时（RGB 全开）"},
        轴体=("GL 线性轴", "GL 段落轴", "GL 类青轴"),
        colour=("黑色", "白色"),
    ),
    P(
        "razer-blackwidow-v4-pro",
        "keyboards",
        "雷蛇",
        "雷蛇黑寡妇蜘蛛 V4 专业版",
        "多功能旋钮 · 8 个宏键 · 幻彩灯效",
        1699,
        "黑寡妇蜘蛛 V4 专业版配备多功能旋钮与 5 个专用宏键，附带磁吸腕托。"
        "双注塑键帽不易打油，灯效可与雷蛇生态联动。",
        {"连接": "有线 USB-C", "键数": "104 键 + 8 宏键", "回报率": "8000Hz"},
        轴体=("雷蛇绿轴", "雷蛇黄轴"),
    ),
    P(
        "apple-magic-keyboard-touch-id",
        "keyboards",
        "苹果",
        "苹果妙控键盘（带触控 ID）",
        "触控 ID · 无线 · Apple 芯片 Mac 专用",
        1049,
        "妙控键盘内置触控 ID，登录、支付与切换用户只需轻触指纹。内置充电电池，一次充电可使用约一个月。",
        {"连接": "蓝牙 / USB-C", "兼容": "搭载 Apple 芯片的 Mac", "续航": "约一个月"},
        版本=("标准布局", "带数字小键盘|+300"),
    ),
    # --- 外设：鼠标 ---------------------------------------------------------------------------------
    P(
        "logitech-mx-master-3s",
        "mice",
        "罗技",
        "罗技 MX Master 3S 无线鼠标",
        "8K DPI · 静音微动 · MagSpeed 电磁滚轮",
        749,
        "MX Master 3S 的静音微动比上一代点击声降低 90%，MagSpeed 电磁滚轮一秒可滚动千行。"
        "8000 DPI 传感器甚至能在玻璃桌面上精准追踪。",
        {"连接": "蓝牙 / Logi Bolt", "DPI": "200–8000", "续航": "约 70 天", "重量": "141g"},
        colour=("石墨黑", "珍珠白"),
    ),
    P(
        "logitech-g-pro-x-superlight-2",
        "mice",
        "罗技",
        "罗技 G PRO X SUPERLIGHT 2 无线游戏鼠标",
        "60g 超轻 · HERO 2 传感器 · 光学微动",
        999,
        "第二代 GPW 重量仅 60g，HERO 2 传感器最高 32000 DPI，光学-机械混合微动兼顾手感与寿命。"
        "职业电竞选手的常用型号。",
        {"连接": "LIGHTSPEED 无线", "DPI": "100–32000", "重量": "60g", "续航": "约 95 小时"},
        colour=("黑色", "白色", "粉色"),
    ),
    P(
        "razer-viper-v3-pro",
        "mice",
        "雷蛇",
        "雷蛇毒蝰 V3 专业版无线游戏鼠标",
        "54g · 8K 回报率 · 第二代光学微动",
        1299,
        "毒蝰 V3 专业版重量约 54g，附带 8K 接收器，回报率高达 8000Hz。"
        "左右键采用第三代光学微动，彻底杜绝双击问题。",
        {"连接": "2.4G 无线 / 有线", "DPI": "最高 35000", "重量": "约 54g", "续航": "约 95 小时"},
        colour=("黑色", "白色"),
    ),
    P(
        "xiaomi-wireless-mouse-3",
        "mice",
        "小米",
        "小米无线鼠标 3",
        "2.4G 无线 · 12 个月续航 · 对称造型",
        69,
        "小米无线鼠标 3 采用对称造型，左右手都能握得舒适。一节 AA 电池可使用约 12 个月。",
        {"连接": "2.4G 无线", "DPI": "1200", "续航": "约 12 个月", "重量": "约 80g"},
        colour=("深空灰", "月光白"),
    ),
    # --- 外设：耳机 ---------------------------------------------------------------------------------
    P(
        "sony-wh-1000xm5",
        "headsets",
        "索尼",
        "索尼 WH-1000XM5 头戴式降噪耳机",
        "双芯降噪 · 30 小时续航 · LDAC 高解析",
        2499,
        "WH-1000XM5 配备 8 个麦克风与双处理器，自动根据环境调整降噪强度。"
        "支持 LDAC 高解析音频与多设备连接，通勤与办公都安静专注。",
        {"连接": "蓝牙 5.2", "续航": "30 小时（降噪开启）", "重量": "约 250g", "编码": "LDAC、AAC、SBC"},
        colour=("黑色", "铂金银", "午夜蓝|+100"),
    ),
    P(
        "huawei-freebuds-pro-4",
        "headsets",
        "华为",
        "华为 FreeBuds Pro 4 真无线降噪耳机",
        "星闪连接 · 双单元 · 智慧动态降噪",
        1499,
        "FreeBuds Pro 4 采用双单元声学架构，低频下潜更深。与华为手机连接时支持无损音质传输。",
        {"连接": "蓝牙 5.2 / 星闪", "续航": "耳机 6.5 小时，配合充电盒 33 小时", "防水": "IP54"},
        colour=("冰霜银", "雅川青", "曜石黑"),
    ),
    P(
        "corsair-hs80-rgb-wireless",
        "headsets",
        "海盗船",
        "海盗船 HS80 RGB 无线游戏耳机",
        "杜比全景声 · 广播级麦克风 · 20 小时续航",
        999,
        "HS80 支持杜比全景声，脚步声方位清晰。全向广播级麦克风让队友听得清清楚楚。",
        {"连接": "SLIPSTREAM 2.4G / USB", "续航": "约 20 小时", "单元": "50mm 钕磁"},
        colour=("碳黑", "冰川白"),
    ),
    P(
        "steelseries-arctis-nova-7",
        "headsets",
        "赛睿",
        "赛睿 Arctis Nova 7 无线游戏耳机",
        "2.4G + 蓝牙双连 · 38 小时续航 · 伸缩麦克风",
        1199,
        "Arctis Nova 7 可同时连接 2.4G 与蓝牙，打游戏时接手机电话两不误。快充 15 分钟可用 6 小时。",
        {"连接": "2.4G 无线 + 蓝牙", "续航": "约 38 小时", "麦克风": "可伸缩降噪麦克风"},
        colour=("黑色", "白色"),
    ),
    # --- 外设：摄像头 -------------------------------------------------------------------------------
    P(
        "logitech-c920-pro",
        "webcams",
        "罗技",
        "罗技 C920 PRO 高清网络摄像头",
        "1080P 30 帧 · 自动对焦 · 双麦克风",
        399,
        "C920 是视频会议与直播的经典之选，1080P 画面配合自动光线校正，逆光环境也能看清面部。",
        {"分辨率": "1080P 30fps", "视角": "78°", "麦克风": "双立体声", "连接": "USB-A"},
        版本=("C920 PRO", "C922 PRO 直播版|+100"),
    ),
    P(
        "logitech-brio-500",
        "webcams",
        "罗技",
        "罗技 BRIO 500 高清网络摄像头",
        "RightLight 4 · Show Mode · 隐私遮挡",
        699,
        "BRIO 500 支持 Show Mode，向下倾斜即可展示桌面上的纸稿。"
        "RightLight 4 在昏暗环境下自动补光，附带磁吸隐私遮挡片。",
        {"分辨率": "1080P 30fps", "视角": "90°", "麦克风": "双降噪麦克风", "连接": "USB-C"},
        colour=("石墨黑", "珍珠白", "玫瑰粉"),
    ),
]
