"""The report's "Integrity / 学术诚信" section (HTML), from ``analyse``'s result.

Jinja2 with autoescape: every student id, answer line, flag and message is
text, never markup. Neutral words only: each item needs a person's review.
"""
import jinja2

from course.feedback import CATALOG

MAX_LINE = 240                  # characters of one answer line shown

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                          lstrip_blocks=True)
_ENV.filters["cut"] = lambda s: s if len(s) <= MAX_LINE else s[:MAX_LINE] + " …"
_ENV.filters["pct"] = lambda x: f"{x:.0%}"
_ENV.filters["num"] = lambda x: f"{x:.1f}"

TEMPLATE = _ENV.from_string("""
<section id="integrity"><h2>学术诚信 <span class="en">Integrity</span></h2>
<style>
#integrity .note{background:#f4f8ff;border:1px solid #bcd;border-radius:6px;padding:8px 12px}
#integrity .sxs{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:8px;margin:6px 0 14px}
#integrity .code{font-family:ui-monospace,"Noto Sans Mono CJK SC",monospace;font-size:.82em;
 border:1px solid #ddd;overflow-x:auto;white-space:pre;background:#fafafa}
#integrity .code div{padding:0 6px}#integrity .code .no{color:#999;display:inline-block;width:2.5em}
#integrity .code .rare{background:#ffe08a}#integrity .code .common{background:#eef}
#integrity .legend span{padding:0 6px;margin-right:8px}
#integrity details.cluster{border:1px solid #ddd;border-radius:6px;padding:6px 10px;margin:8px 0}
#integrity details.cluster>summary{font-weight:bold}
</style>
<p class="note"><b>以下是证据，不是结论：每一项都需要人工复核。</b>诚信分析不改变任何分数（grades.csv 不变）。
相似的代码可能来自共同的讲义、提示或常见写法；相同的错误输出可能来自常见的误解。
<br><span class="en"><b>What follows is evidence, not a finding: every item needs a person's review.</b>
The integrity analysis changes no score (grades.csv is untouched). Similar code may come from shared
course material, hints or a common idiom; identical wrong outputs may come from a common misconception.</span></p>
<p>方法 <span class="en">Method</span>：答案单元去掉注释和文档字符串、按语法树统一命名后，做 winnowing 指纹
（k={{ r.params.k }}，窗口 {{ r.params.window }}），讲义、提示和参考答案中的代码不计；许多学生共有的指纹和错误输出不作为证据。
强度以“罕见指纹”为单位，报告阈值 {{ r.params.threshold|num }}。
<span class="en">Answer cells without comments and docstrings, identifiers renamed from the syntax tree,
winnowing fingerprints (k={{ r.params.k }}, window {{ r.params.window }}); code from the notebooks, hints and
the instructor's solutions is never evidence, nor are fingerprints and wrong outputs that many students share.
Strength is counted in rare fingerprints; pairs from {{ r.params.threshold|num }} up are listed.</span></p>
{% if r.note %}<p class="bad">{{ r.note }}</p>{% endif %}
<p>{{ r.students }} 名学生 <span class="en">students</span> ·
已读取答案 <span class="en">answers read</span>: {{ r.answers_read }} ·
需要人工复核的组 <span class="en">groups needing review</span>: <b>{{ r.clusters|length }}</b>
{% if r.submissions %}· <span class="en">answers from</span> <code>{{ r.submissions }}</code>{% endif %}
· <a href="integrity.csv">integrity.csv</a></p>

<h3>需要人工复核 <span class="en">Needs a person's review</span> ({{ r.clusters|length }})</h3>
{% if r.clusters %}
<table><thead><tr><th>#</th><th>学生 students</th><th>函数 functions</th><th>强度 strength</th>
<th>代码相似度 similarity</th><th>共同的罕见错误输出 shared rare wrong outputs</th><th>标记 flags</th></tr></thead><tbody>
{% for c in r.clusters %}
<tr><td><a href="#integrity-cluster-{{ c.id }}">{{ c.id }}</a></td>
<td>{% for s in c.students %}<a href="#student-{{ s }}">{{ s }}</a>{{ ", " if not loop.last }}{% endfor %}</td>
<td>{% for f in c.functions %}<code>{{ f }}</code>{{ " " if not loop.last }}{% endfor %}</td>
<td class="num">{{ c.strength|num }}</td>
<td>{{ c.summary.similarity }}</td><td>{{ c.summary.behaviour }}</td>
<td>{% for s, fl in c.summary.flags %}{{ s }}: {{ fl }}{{ "; " if not loop.last }}{% endfor %}</td></tr>
{% endfor %}
</tbody></table>
{% else %}<p>没有需要复核的组 <span class="en">nothing to review</span></p>{% endif %}

{% for c in shown %}
<details class="cluster" id="integrity-cluster-{{ c.id }}"{{ " open" if loop.index <= 3 }}>
<summary>#{{ c.id }} · {{ c.students|join(", ") }} · {{ c.functions|join(", ") }} · 强度 strength {{ c.strength|num }}
· 需要人工复核 <span class="en">needs a person's review</span></summary>
<table><thead><tr><th>学生 A</th><th>学生 B</th><th>强度 strength</th><th>代码 code</th><th>输出 outputs</th>
<th>证据 evidence</th></tr></thead><tbody>
{% for p in c.pair_rows %}
<tr><td>{{ p.a }}</td><td>{{ p.b }}</td><td class="num">{{ p.strength|num }}</td>
<td class="num">{{ p.code_strength|num }}</td><td class="num">{{ p.behaviour_strength|num }}</td>
<td>{% for e in p.code %}<code>{{ e.function }}</code> 相似度 similarity {{ e.similarity|pct }}
（{{ e.rare }} 个罕见指纹 <span class="en">rare fingerprints</span>）{{ "; " if not loop.last }}{% endfor %}
{% if p.code and p.behaviour %}<br>{% endif %}
{% for e in p.behaviour %}<code>{{ e.function }}</code> {{ e.shared_wrong }} 个相同的错误输出，全班 {{ e.students_sharing }} 人如此
<span class="en">identical wrong outputs on {{ e.shared_wrong }} hidden cases, {{ e.students_sharing }} students in the class</span>{{ "; " if not loop.last }}{% endfor %}
</td></tr>
{% endfor %}
</tbody></table>
{% if c.flags %}<p>评分器在这些函数上的标记 <span class="en">Grader flags on these functions</span>:
{% for s, fl in c.flags|dictsort %}{{ s }}: {{ fl|join(", ") }}{{ "; " if not loop.last }}{% endfor %}</p>{% endif %}
<p class="legend"><span class="rare">罕见的相同片段 rare shared code</span><span class="common">常见的相同片段 common shared code</span></p>
{% for v in c.views %}
<h4><code>{{ v.function }}</code>: {{ v.a }} ↔ {{ v.b }}
{% if v.similarity is not none %}· 相似度 similarity {{ v.similarity|pct }}{% endif %}
{% if v.behaviour %}· {{ v.behaviour.shared_wrong }} 个相同的错误输出 <span class="en">identical wrong outputs</span>{% endif %}</h4>
{% if v.left %}
<div class="sxs">
{% for side, who in ((v.left, v.a), (v.right, v.b)) %}
<div><div>{{ who }}</div><div class="code">{% for l in side %}<div class="{{ l.mark }}"><span class="no">{{ l.no }}</span>{{ l.text|cut }}</div>{% endfor %}</div></div>
{% endfor %}
</div>
{% if v.cut %}<p>（只显示前 {{ max_lines }} 行 <span class="en">first {{ max_lines }} lines shown</span>）</p>{% endif %}
{% else %}<p>没有读到答案代码 <span class="en">answer cells not available</span></p>{% endif %}
{% endfor %}
</details>
{% endfor %}
{% if r.clusters|length > shown|length %}<p>另有 {{ r.clusters|length - shown|length }} 组见 integrity.csv
<span class="en">{{ r.clusters|length - shown|length }} more groups in integrity.csv</span></p>{% endif %}

<h3>许多学生共有的错误输出 <span class="en">Wrong outputs many students share</span></h3>
<p>这是常见误解的证据，不是抄袭的证据，不计入强度。<span class="en">Evidence of a common misconception,
not of copying: never counted in a strength.</span></p>
{% if common %}
<table><thead><tr><th>函数 function</th><th>学生数 students</th><th>误解 misconception</th><th>名单 who</th></tr></thead><tbody>
{% for m in common %}
<tr><td><code>{{ m.function }}</code></td><td class="num">{{ m.count }}/{{ m.of }}</td>
<td>{{ m.zh }} <span class="en">{{ m.en }}</span></td>
<td><details><summary>{{ m.count }}</summary>{{ m.students|join(", ") }}</details></td></tr>
{% endfor %}
</tbody></table>
{% else %}<p>无 <span class="en">none</span></p>{% endif %}

<h3>评分器的标记 <span class="en">Grader flags</span> ({{ r.flags|length }})</h3>
<p>参考答案的原文、被拒绝的链接、禁用算子和篡改：分数已按规则给出，是否另作处理需要人工判断。
<span class="en">The instructor's solution text, refused links, forbidden operators and tampering: the points
follow the rules; anything beyond that is for a person to decide.</span></p>
{% if r.flags %}
<table><thead><tr><th>学生 student</th><th>笔记本 notebook</th><th>测试 test</th><th>标记 flags</th><th>说明 message</th></tr></thead><tbody>
{% for f in r.flags[:max_flags] %}
<tr><td><a href="#student-{{ f.student_id }}">{{ f.student_id }}</a></td><td>{{ f.notebook }}</td>
<td><code>{{ f.grade_id }}</code></td><td>{{ f.flags }}</td><td>{{ f.message|cut }}</td></tr>
{% endfor %}
</tbody></table>
{% if r.flags|length > max_flags %}<p>…</p>{% endif %}
{% else %}<p>无 <span class="en">none</span></p>{% endif %}
""")


def _summary(cluster, pairs_by_key):
    best_sim, behaviour, flags = {}, {}, []
    for q in cluster["pairs"]:
        p = pairs_by_key[(q["a"], q["b"])]
        for e in p["code"]:
            if e["function"] in cluster["functions"]:
                best_sim[e["function"]] = max(best_sim.get(e["function"], 0.0), e["similarity"])
        for e in p["behaviour"]:
            if e["function"] in cluster["functions"]:
                behaviour[e["function"]] = (e["shared_wrong"], e["students_sharing"])
    for s, names in sorted(cluster.get("flags", {}).items()):
        flags.append((s, ", ".join(names)))
    return {"similarity": ", ".join(f"{fn} {v:.0%}" for fn, v in sorted(best_sim.items())) or "—",
            "behaviour": ", ".join(f"{fn}: {n} / {c} 人 students" for fn, (n, c) in sorted(behaviour.items()))
            or "—", "flags": flags}


def render(result, common=None, max_clusters=40, max_flags=500, max_lines=150):
    """The section's HTML (a ``<section id="integrity">``, closed by the caller as the others)."""
    by_key = {(p["a"], p["b"]): p for p in result["pairs"]}
    clusters = []
    for c in result["clusters"]:
        c = dict(c, summary=_summary(c, by_key),
                 pair_rows=[by_key[(q["a"], q["b"])] for q in c["pairs"][:20]])
        clusters.append(c)
    shown_common = []
    for m in (common if common is not None else result["common"]):
        zh, en, _ = CATALOG.get(m.get("misconception") or "", ("—", "—", ""))
        shown_common.append(dict(m, zh=zh, en=en))
    r = dict(result, clusters=clusters)
    html = TEMPLATE.render(r=r, shown=clusters[:max_clusters], common=shown_common[:30],
                           max_flags=max_flags, max_lines=max_lines)
    return html
