#!/usr/bin/env python3
"""Generates assets/demo-groups.json, the emulator's --demo-data set.

Deterministic (fixed seed): run `python3 assets/gen-demo-groups.py` from the
repository root and commit the result. Creation times are ages in seconds
before seeding, so a demo always looks recent.
"""
import json
import random
import os

rng = random.Random(20241114)

SHOWS = [
    ("cooking", "Cooking with Mei", "Live kitchen: today's recipe and Q&A"),
    ("esports", "Esports Finals Watch Party", "Casters, brackets and predictions"),
    ("music", "Late Night Lo-fi Session", "Chill beats, song requests in chat"),
    ("news", "Morning Market Briefing", "Markets, rates and the day ahead"),
    ("travel", "Slow Travel: Yunnan by Train", "Trains, tea and villages"),
    ("fitness", "20-Minute HIIT with Coach Lin", "No equipment, all levels"),
    ("tech", "Rust Office Hours", "Ownership, async and your questions"),
    ("fashion", "Spring Collection Drop", "Limited items, live try-ons"),
    ("kids", "Story Time with Grandpa Wu", "Bedtime stories for little ones"),
    ("pets", "Shelter Puppies Live", "Meet the dogs looking for a home"),
    ("auction", "Antique Porcelain Auction", "Bids open at 20:00"),
    ("football", "Derby Day Live Chat", "Kick-off, lineups and banter"),
    ("language", "Mandarin Conversation Club", "Beginner friendly, slow speech"),
    ("gardening", "Balcony Garden Makeover", "Herbs, tomatoes and small spaces"),
    ("science", "Ask an Astronomer", "Tonight: the rings of Saturn"),
    ("comedy", "Open Mic Friday", "New comics, be kind in chat"),
    ("books", "Book Club: Three-Body Problem", "Chapters 10 to 14, spoilers ok"),
    ("sale", "Double 11 Flash Sale", "Coupons drop every 15 minutes"),
    ("concert", "Symphony in the Park", "Beethoven 7, live from the lawn"),
    ("gaming", "Speedrun Marathon Day 2", "Any% attempts back to back"),
    ("xiangsheng", "相声专场：周末欢乐夜", "经典段子，弹幕互动"),
    ("tea", "春茶直播：西湖龙井开采", "茶园现场，采茶炒茶全过程"),
]
SUFFIXES = ["", " (Replay)", " Day 1", " Day 2", " Special", " Backstage", " Q&A", " VIP Room"]
HOSTS = ["meichen", "linwei", "zhaoyu", "hostanna", "djkoi", "coachlin", "grandpawu", "drstar",
         "marketbot", "tourguide8", "chefmei", "casterx", "libraryli", "shopmaster", "maestro"]
MODS = ["mod01", "mod02", "mod03", "mod07", "mod11", "mod23", "modnight", "modday", "helperbot",
        "safetyteam", "ops1", "ops2"]

DAY = 86400


def info_json(topic, title, blurb):
    data = {
        "topic": topic,
        "title": title,
        "description": blurb,
        "language": rng.choice(["zh-CN", "en-US", "zh-CN", "ja-JP"]),
        "slowModeSeconds": rng.choice([0, 0, 3, 5, 10]),
        "tags": rng.sample(["live", "hd", "interactive", "giveaway", "replay", "family", "18+", "music", "qna"], 3),
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def long_info():
    rules = []
    for i in range(1, 400):
        rules.append(
            f"Rule {i}: be respectful; no spam, no links to unknown sites, no personal data. "
            f"Moderators may mute repeat offenders (policy v{i % 7 + 1})."
        )
    text = json.dumps({"topic": "policy", "pinned": True, "rules": rules}, separators=(",", ":"))
    # Trim to about 20 KB, keeping it valid JSON by trimming the rules list.
    while len(text.encode()) > 20 * 1024:
        rules.pop()
        text = json.dumps({"topic": "policy", "pinned": True, "rules": rules}, separators=(",", ":"))
    return text


groups = []
used = set()
n = 0
while len(groups) < 119:
    topic, title, blurb = SHOWS[n % len(SHOWS)]
    suffix = SUFFIXES[(n // len(SHOWS)) % len(SUFFIXES)]
    n += 1
    gid = f"{topic}{rng.randrange(1000, 99999)}"
    if gid in used:
        continue
    used.add(gid)
    kind = rng.random()
    if kind < 0.45:
        info = info_json(topic, title + suffix, blurb)
    elif kind < 0.85:
        info = f"{blurb}. Hosted by {rng.choice(HOSTS)}; please keep the chat friendly."
    else:
        info = ""
    g = {
        "GroupId": gid,
        "GroupName": title + suffix,
        "GroupInfo": info,
        "CreatorId": rng.choice(HOSTS),
        "Administrators": rng.sample(MODS, rng.choice([0, 1, 1, 2, 2, 3])),
        "AgeSeconds": rng.randrange(60, 42 * DAY),
    }
    if rng.random() < 0.15:
        g["Deleted"] = True
    if rng.random() < 0.25 and not g.get("Deleted"):
        g["Audience"] = rng.choice([1, 3, 12, 48, 250, 1800, 12000])
    groups.append(g)

# A few groups created in the same second, to show the stable tie-break.
for g in groups[10:14]:
    g["AgeSeconds"] = 3 * DAY + 1234

# One group with a long (~20 KB) JSON GroupInfo.
groups.append({
    "GroupId": "communityrules",
    "GroupName": "Community Rules (pinned)",
    "GroupInfo": long_info(),
    "CreatorId": "safetyteam",
    "Administrators": ["safetyteam", "mod01"],
    "AgeSeconds": 40 * DAY,
    "Audience": 5,
})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo-groups.json")
with open(out, "w", encoding="utf-8") as f:
    json.dump(groups, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(f"wrote {len(groups)} groups to {out}")
