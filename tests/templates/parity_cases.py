"""Templates rendered by both engines; expected outputs live in parity_expected.py.

Each case renders with tests.templates.fixtures.context() through an engine whose locmem
loader holds TEMPLATES (for extends/include). Errors are compared by class and message.
"""

TEMPLATES = {
    "base.html": (
        "<html><title>{% block title %}Base title{% endblock %}</title>\n"
        "<body>{% block body %}<p>base body</p>{% endblock body %}\n"
        "{% block footer %}{% endblock %}</body></html>"
    ),
    "middle.html": (
        "{% extends 'base.html' %}{% block title %}Middle/{{ block.super }}{% endblock %}"
        "{% block footer %}<footer>{% block credits %}mid credits{% endblock %}</footer>"
        "{% endblock %}"
    ),
    "child.html": (
        "{% extends 'middle.html' %}ignored text"
        "{% block title %}Child/{{ block.super }}{% endblock %}"
        "{% block body %}{% for r in rows %}<p>{{ r.name }}</p>{% endfor %}{% endblock %}"
        "{% block credits %}child + {{ block.super }}{% endblock %}"
    ),
    "dyn_child.html": "{% extends parent %}{% block title %}dyn{% endblock %}",
    "rel/base.html": "[{% block x %}rel base{% endblock %}]",
    "rel/child.html": "{% extends './base.html' %}{% block x %}rel child{% endblock %}",
    "row.html": "<li>{{ r.name }}={{ r.total }}{% if extra %} ({{ extra }}){% endif %}</li>",
    "greet.html": "Hello {{ name }}{% if punct %}{{ punct }}{% endif %}",
    "include_block.html": "{% block inner %}inner default{% endblock %}",
    "uses_loop.html": "{{ forloop.counter }}:{{ item }}",
    "cycle_inc.html": "{% cycle 'x' 'y' %}",
}

CASES = [
    # variables and lookups
    ("var_plain", "Hello {{ name }}!"),
    ("var_escape", "{{ html }}"),
    ("var_missing", "[{{ nothing }}][{{ nothing.deeper }}][{{ row.nothing }}]"),
    ("var_dict", "{{ d.key }} {{ d.items }} {{ d.n.deep.1 }} {{ d.1 }}"),
    ("var_attr_call", "{{ row.name }} {{ row.total }} {{ row.tags.0 }} {{ row.tags.5 }}"),
    ("var_needs_arg", "[{{ row.needs_arg }}]"),
    ("var_alters_data", "[{{ row.delete }}]"),
    ("var_silent", "[{{ row.broken }}]"),
    ("var_do_not_call", "{{ notcalled.label }}"),
    ("var_func", "{{ func }}"),
    ("var_numbers", "{{ int }} {{ pi }} {{ big }} {{ dec }} {{ neg }} {{ zero }} {{ true }} {{ none }}"),
    ("var_literals", '{{ "a&b" }} {{ 5 }} {{ 1.5 }} {{ "x"|upper }} {{ \'single\' }}'),
    ("var_dates", "{{ date }}|{{ dt }}|{{ aware }}|{{ time }}"),
    ("var_list", "{{ numbers }} {{ pairs }} {{ empty }}"),
    ("var_str_obj", "{{ row }}"),
    ("var_underscore", "{{ row._secret }}"),
    ("var_empty_tag", "{{ }}"),
    ("var_bad_chars", "{{ name|upper| }}"),
    ("var_bad_filter", "{{ name|nosuchfilter }}"),
    ("var_filter_args", "{{ name|cut }}"),
    ("var_filter_missing_arg", "{{ name|default:missing_var }}"),
    ("var_builtins", "{{ True }} {{ False }} {{ None }}"),
    # autoescape
    ("autoescape_off", "{% autoescape off %}{{ html }}{% endautoescape %}|{{ html }}"),
    ("autoescape_on", "{% autoescape on %}{{ html|safe }}{% endautoescape %}"),
    ("autoescape_bad", "{% autoescape maybe %}{% endautoescape %}"),
    ("safe_filters", "{{ html|safe }}|{{ html|escape }}|{{ html|force_escape }}|{{ html|safe|force_escape }}"),
    ("escape_then_upper", "{{ html|escape|upper }}|{{ html|upper|safe }}"),
    ("autoescape_join", "{{ numbers|join:'<br>' }}|{% autoescape off %}{{ numbers|join:'<br>' }}{% endautoescape %}"),
    # if
    ("if_basic", "{% if row %}yes{% endif %}{% if empty %}no{% else %}else{% endif %}"),
    ("if_elif", "{% for n in numbers %}{% if n == 1 %}one{% elif n < 3 %}few{% elif n is 5 %}five{% else %}many{% endif %},{% endfor %}"),
    ("if_ops", "{% if 1 in numbers and not empty %}A{% endif %}{% if 9 not in numbers %}B{% endif %}{% if none is None %}C{% endif %}{% if zero is not None %}D{% endif %}{% if int >= 42 and int <= 42 and int != 41 %}E{% endif %}"),
    ("if_precedence", "{% if false or true and not false %}T{% else %}F{% endif %}{% if not true == false %}X{% endif %}"),
    ("if_type_error", "{% if name > 5 %}gt{% else %}err-false{% endif %}{% if missing > 5 %}m{% else %}mf{% endif %}"),
    ("if_filters", "{% if numbers|length > 3 %}long{% endif %}{% if name|lower == 'world' %}w{% endif %}"),
    ("if_unused", "{% if a b %}x{% endif %}"),
    ("if_empty", "{% if %}x{% endif %}"),
    ("if_bad_position", "{% if == a %}x{% endif %}"),
    ("if_missing_end", "{% if a %}x"),
    ("if_malformed_else", "{% if a %}x{% else foo %}y{% endif %}"),
    ("if_and_chain_value", "{% if d.key and d.n %}{{ d.key }}{% endif %}"),
    # for
    ("for_basic", "{% for n in numbers %}{{ n }}{% if not forloop.last %}, {% endif %}{% endfor %}"),
    ("for_forloop", "{% for n in numbers %}[{{ forloop.counter }}{{ forloop.counter0 }}{{ forloop.revcounter }}{{ forloop.revcounter0 }}{{ forloop.first }}{{ forloop.last }}]{% endfor %}"),
    ("for_reversed", "{% for n in numbers reversed %}{{ n }}{% endfor %}"),
    ("for_empty", "{% for n in empty %}{{ n }}{% empty %}nothing{% endfor %}{% for n in missing %}{{ n }}{% empty %}missing{% endfor %}"),
    ("for_unpack", "{% for k, v in pairs %}{{ k }}={{ v }};{% endfor %}{% for k,v in d.n.items %}{{ k }}{{ v }}{% endfor %}"),
    ("for_unpack_error", "{% for a, b, c in pairs %}{{ a }}{% endfor %}"),
    ("for_nested_parent", "{% for r in rows %}{% for t in r.tags %}{{ forloop.parentloop.counter }}.{{ forloop.counter }}{{ t }} {% endfor %}{% endfor %}"),
    ("for_forloop_print", "{% for n in pairs %}{{ forloop }}{% endfor %}"),
    ("for_string", "{% for c in name %}{{ c }}-{% endfor %}"),
    ("for_dict", "{% for k in d.n %}{{ k }}{% endfor %}"),
    ("for_bad", "{% for x on y %}{% endfor %}"),
    ("for_short", "{% for x in %}{% endfor %}"),
    ("for_bad_var", "{% for x|y in z %}{% endfor %}"),
    ("for_shadow", "{% for name in numbers %}{{ name }}{% endfor %}{{ name }}"),
    ("for_callable_items", "{% for f in funcs %}{{ f }}{% endfor %}"),
    ("for_int", "{% for x in int %}{{ x }}{% endfor %}"),
    # with
    ("with_basic", "{% with total=row.total label='x' %}{{ label }}{{ total }}{% endwith %}{{ total }}"),
    ("with_legacy", "{% with row.name as n %}{{ n|upper }}{% endwith %}"),
    ("with_nested", "{% with a=1 %}{% with a=2 b=a %}{{ a }}{{ b }}{% endwith %}{{ a }}{% endwith %}"),
    ("with_bad", "{% with %}{% endwith %}"),
    ("with_bad_token", "{% with a=1 b %}{% endwith %}"),
    # cycle, firstof, ifchanged, regroup, resetcycle
    ("cycle_basic", "{% for n in numbers %}{% cycle 'odd' 'even' %} {% endfor %}"),
    ("cycle_named", "{% for n in numbers %}{% cycle 'a' 'b' 'c' as abc %}{{ abc }}{% cycle abc %}|{% endfor %}"),
    ("cycle_silent", "{% for n in numbers %}{% cycle 'r1' 'r2' as rowcls silent %}<{{ rowcls }}>{% endfor %}"),
    ("cycle_vars", "{% for r in rows %}{% cycle r.name html 'lit' %};{% endfor %}"),
    ("cycle_reset", "{% for r in rows %}{% for t in numbers %}{% cycle 'a' 'b' %}{% endfor %}{% resetcycle %}|{% endfor %}"),
    ("cycle_undefined", "{% cycle foo %}"),
    ("cycle_bad_flag", "{% cycle 'a' 'b' as foo loud %}"),
    ("resetcycle_none", "{% resetcycle %}"),
    ("firstof", "{% firstof none zero empty html 'fallback' %}|{% firstof none 'lit<' %}|{% firstof none %}|{% firstof none name as fo %}{{ fo }}"),
    ("firstof_empty", "{% firstof %}"),
    ("ifchanged_content", "{% for p in people %}{% ifchanged %}<h>{{ p.gender }}</h>{% endifchanged %}{{ p.first }} {% endfor %}"),
    ("ifchanged_vars", "{% for n in numbers %}{% ifchanged n|divisibleby:2 %}{{ n }}{% else %}-{% endifchanged %}{% endfor %}"),
    ("ifchanged_nested", "{% for r in rows %}{% for t in numbers %}{% ifchanged %}{{ r.name }}{% endifchanged %}{% endfor %}{% endfor %}"),
    ("regroup", "{% regroup people by gender as groups %}{% for g in groups %}{{ g.grouper }}:{% for p in g.list %}{{ p.first }},{% endfor %}|{% endfor %}"),
    ("regroup_missing", "{% regroup nothing by x as g %}[{{ g }}]"),
    ("regroup_bad", "{% regroup people by gender into g %}"),
    # misc tags
    ("comment_tag", "a{% comment %}hidden {{ x }} {% if %}{% endcomment %}b{# inline {{ y }} #}c"),
    ("comment_note", "a{% comment 'note' %}x{% endcomment %}b"),
    ("verbatim", "{% verbatim %}{{ raw }} {% if %}{% endverbatim %}|{% verbatim v1 %}{% endverbatim %}{% endverbatim v1 %}"),
    ("templatetag", "{% templatetag openblock %}{% templatetag closeblock %}{% templatetag openvariable %}{% templatetag closevariable %}{% templatetag openbrace %}{% templatetag closebrace %}{% templatetag opencomment %}{% templatetag closecomment %}"),
    ("templatetag_bad", "{% templatetag nope %}"),
    ("spaceless", "{% spaceless %}\n  <p>\n    <a href='x'>  link </a>\n  </p>\n{% endspaceless %}"),
    ("filter_tag", "{% filter upper|cut:'O' %}hello world {{ name }} <b>{% endfilter %}"),
    ("filter_tag_escape", "{% filter escape %}x{% endfilter %}"),
    ("widthratio", "{% widthratio 175 200 100 %}|{% widthratio int 0 100 %}|{% widthratio 'a' 200 100 %}|{% widthratio 5 10 100 as w %}[{{ w }}]"),
    ("widthratio_bad", "{% widthratio 5 10 x %}"),
    ("lorem", "{% lorem 3 w %}|{% lorem 1 p %}|{% lorem %}"),
    ("load_unknown", "{% load nosuchlib %}"),
    ("unknown_tag", "{% frobnicate %}"),
    ("unknown_tag_in_block", "{% if x %}{% frobnicate %}{% endif %}"),
    ("unclosed_tag", "{% for x in y %}body"),
    ("empty_block_tag", "{% %}"),
    ("csrf_none", "[{% csrf_token %}]"),
    ("csrf_value", "{% with csrf_token='tok<en>' %}{% csrf_token %}{% endwith %}"),
    ("csrf_notprovided", "{% with csrf_token='NOTPROVIDED' %}[{% csrf_token %}]{% endwith %}"),
    # inheritance and include
    ("extends_chain", "{% extends 'child.html' %}"),
    ("extends_base", "{% extends 'base.html' %}{% block footer %}F{{ block.super }}F{% endblock %}"),
    ("extends_variable", "{% include 'dyn_child.html' with parent='base.html' %}"),
    ("extends_relative", "{% include 'rel/child.html' %}"),
    ("extends_not_first", "x{% load static %}{% extends 'base.html' %}"),
    ("extends_twice", "{% extends 'base.html' %}{% extends 'base.html' %}"),
    ("extends_missing", "{% extends 'nope.html' %}"),
    ("extends_empty_name", "{% extends none %}"),
    ("block_dup", "{% block a %}{% endblock %}{% block a %}{% endblock %}"),
    ("block_endname", "{% block a %}x{% endblock a %}{% block b %}y{% endblock c %}"),
    ("block_super_base", "{% block a %}{{ block.super }}{% endblock %}"),
    ("include_basic", "{% for r in rows %}{% include 'row.html' %}{% endfor %}"),
    ("include_with_only", "{% for r in rows %}{% include 'row.html' with extra=r.qty only %}{% endfor %}"),
    ("include_with", "{% include 'greet.html' with punct='!' %}|{% include 'greet.html' with name='you' only %}"),
    ("include_var", "{% include tpl_name %}"),
    ("include_list", "{% include tpl_list %}"),
    ("include_missing", "{% include 'nope.html' %}"),
    ("include_block", "{% include 'include_block.html' %}"),
    ("include_forloop", "{% for item in numbers %}{% include 'uses_loop.html' %}{% endfor %}"),
    ("include_cycle_isolated", "{% for n in numbers %}{% include 'cycle_inc.html' %}{% endfor %}"),
    ("include_bad_option", "{% include 'greet.html' foo %}"),
    # filters
    ("f_add", "{{ int|add:8 }} {{ '5'|add:'6' }} {{ numbers|add:pairs }} {{ name|add:'!' }} {{ name|add:3 }}"),
    ("f_addslashes", "{{ html|addslashes }}"),
    ("f_capfirst_title", "{{ 'hello world'|capfirst }} {{ \"they're bill's 1st\"|title }}"),
    ("f_center_just", "[{{ name|center:11 }}][{{ name|ljust:8 }}][{{ name|rjust:8 }}]"),
    ("f_cut", "{{ text|cut:' ' }}"),
    ("f_date", "{{ dt|date:'D d M Y H:i:s u' }}|{{ dt|date:'jS F Y, N, l, w, z, W, L, t, y, n, b, E' }}|{{ dt|date:'g:i a A f P G h' }}|{{ date|date }}|{{ dt|date:'SHORT_DATE_FORMAT' }}|{{ aware|date:'c e O T Z I U r' }}|{{ date|date:'r' }}|{{ dt|date:'\\Y\\e\\s Y' }}"),
    ("f_date_noon", "{{ noon|date:'P' }} {{ midnight|date:'P' }} {{ midnight|date:'f a' }}"),
    ("f_date_bad", "[{{ name|date }}][{{ none|date }}][{{ date|date:'H' }}]"),
    ("f_time", "{{ time|time }} {{ time|time:'H:i' }} {{ dt|time:'g a' }} [{{ name|time }}]"),
    ("f_default", "{{ none|default:'d' }} {{ zero|default:'z' }} {{ name|default:'n' }} {{ missing|default:'m' }} {{ none|default_if_none:'dn' }} {{ zero|default_if_none:'x' }}"),
    ("f_dictsort", "{% for p in people|dictsort:'age' %}{{ p.first }}{% endfor %}|{% for p in people|dictsortreversed:'first' %}{{ p.first }}{% endfor %}|{% for r in rows|dictsort:'name' %}{{ r.name }}{% endfor %}|{{ people|dictsort:'_x' }}|{% for p in pairs|dictsort:1 %}{{ p.0 }}{% endfor %}"),
    ("f_divisibleby", "{{ 21|divisibleby:3 }} {{ 20|divisibleby:3 }}"),
    ("f_escapejs", "{{ js|escapejs }}"),
    ("f_filesizeformat", "{{ 0|filesizeformat }}|{{ 1|filesizeformat }}|{{ 1023|filesizeformat }}|{{ 1024|filesizeformat }}|{{ size|filesizeformat }}|{{ 5000000000|filesizeformat }}|{{ -2048|filesizeformat }}|{{ 'x'|filesizeformat }}|{{ 1125899906842624|filesizeformat }}"),
    ("f_first_last", "{{ numbers|first }} {{ numbers|last }} {{ name|first }} [{{ empty|first }}] [{{ empty|last }}]"),
    ("f_floatformat", "{{ pi|floatformat }}|{{ pi|floatformat:3 }}|{{ 34.0|floatformat }}|{{ 34.0|floatformat:-3 }}|{{ 34.2650|floatformat:-2 }}|{{ big|floatformat:2 }}|{{ big|floatformat:'2g' }}|{{ dec|floatformat:'-1' }}|{{ neg|floatformat:0 }}|{{ 'abc'|floatformat }}|{{ none|floatformat }}|{{ 1.5|floatformat:0 }}|{{ 2.5|floatformat:0 }}|{{ 0.0001|floatformat:2 }}|{{ -0.0001|floatformat:2 }}|{{ 1e10|floatformat:1 }}|{{ 12345|floatformat:'g' }}|{{ 1.23|floatformat:'u' }}|{{ pi|floatformat:'x' }}"),
    ("f_get_digit", "{{ 123456|get_digit:2 }} {{ 123|get_digit:5 }} {{ 'abc'|get_digit:1 }} {{ 123|get_digit:0 }}"),
    ("f_iriencode_urlencode", "{{ '/x?a=b c&é'|iriencode }}|{{ '/a b?c=d&e'|urlencode }}|{{ '/a b'|urlencode:'' }}"),
    ("f_join", "{{ numbers|join:', ' }}|{{ name|join:'-' }}|{{ int|join:',' }}"),
    ("f_json_script", "{{ d.n|json_script:'data' }}|{{ html|json_script }}"),
    ("f_length", "{{ numbers|length }} {{ name|length }} {{ int|length }} {{ none|length }}"),
    ("f_linebreaks", "{{ para|linebreaks }}|{{ para|linebreaksbr }}|{{ html|linebreaks }}"),
    ("f_linenumbers", "{{ para|linenumbers }}"),
    ("f_lower_upper", "{{ html|lower }} {{ html|upper }}"),
    ("f_make_list", "{{ name|make_list }} {{ 123|make_list }}"),
    ("f_phone2numeric", "{{ phone|phone2numeric }}"),
    ("f_pluralize", "{{ 1|pluralize }}{{ 2|pluralize }}{{ 0|pluralize }} {{ 1|pluralize:'es' }}{{ 2|pluralize:'es' }} {{ 1|pluralize:'y,ies' }}{{ 2|pluralize:'y,ies' }} {{ numbers|pluralize }}{{ 'x'|pluralize }}[{{ 2|pluralize:'a,b,c' }}] {{ 1.0|pluralize }}{{ '1'|pluralize }}"),
    ("f_pprint", "{{ d.n|pprint }}"),
    ("f_slice", "{{ numbers|slice:':2' }} {{ numbers|slice:'1:-1' }} {{ name|slice:'::2' }} {{ numbers|slice:'x' }} {{ numbers|slice:'-2:' }}"),
    ("f_slugify", "{{ slug|slugify }}"),
    ("f_stringformat", "{{ int|stringformat:'05d' }} {{ pi|stringformat:'.2f' }} {{ name|stringformat:'s' }} {{ pairs.0|stringformat:'s' }} [{{ name|stringformat:'d' }}] {{ int|stringformat:'x' }}"),
    ("f_striptags", "{{ html_para|striptags }}|{{ '<a>x</a><script>y</script>'|striptags }}"),
    ("f_timesince", "{{ then|timesince:now_fixed }}|{{ now_fixed|timesince:then }}|{{ then|timeuntil:now_fixed }}|{{ now_fixed|timeuntil:then }}|{{ date|timesince:now_fixed }}|[{{ none|timesince }}]|{{ then|timesince:then }}"),
    ("f_truncate", "{{ text|truncatechars:9 }}|{{ text|truncatechars:100 }}|{{ text|truncatechars:'x' }}|{{ text|truncatewords:3 }}|{{ text|truncatewords:0 }}|{{ name|truncatechars:1 }}|{{ name|truncatechars:5 }}"),
    ("f_truncate_html", "{{ html_para|truncatechars_html:12 }}|{{ html_para|truncatewords_html:3 }}|{{ html_para|truncatewords_html:50 }}|{{ '<p>abc</p>'|truncatechars_html:3 }}"),
    ("f_unordered_list", "{{ nested|unordered_list }}"),
    ("f_urlize", "{{ url_text|urlize }}"),
    ("f_urlize_more", "{{ '(see www.example.com).'|urlize }}|{{ 'x@y'|urlize }}|{{ 'foo.bar@example.co.uk;'|urlize }}|{{ '<a>http://a.com</a>'|urlize }}|{{ 'http://example.com/?q=a b&amp;c'|urlize }}|{{ 'Go to example.org/path!'|urlize }}"),
    ("f_urlizetrunc", "{{ url_text|urlizetrunc:15 }}"),
    ("f_wordcount_wrap", "{{ text|wordcount }}|{{ text|wordwrap:10 }}|{{ para|wordwrap:5 }}"),
    ("f_yesno", "{{ true|yesno }} {{ false|yesno }} {{ none|yesno }} {{ true|yesno:'y,n' }} {{ none|yesno:'y,n' }} {{ none|yesno:'y,n,m' }} {{ true|yesno:'single' }}"),
    ("f_random_single", "{{ 'a'|random }} {{ empty|random }}"),
    ("f_safeseq_escapeseq", "{{ rows.0.tags|safeseq|join:', ' }}|{{ html_list|escapeseq|join:'<br>' }}|{% autoescape off %}{{ html_list|escapeseq|join:'<br>' }}{% endautoescape %}"),
    ("f_chain_localtime", "{{ aware|date:'Y-m-d H:i T' }}|{{ aware }}"),
    ("f_numbers_in_output", "{{ 1.0 }} {{ 1e-7 }} {{ 123456789012345678901234567890 }} {{ dec }} {{ -5 }}"),
    ("f_arg_count", "{{ name|upper:'x' }}"),
    ("f_default_chain_missing", "{{ missing.attr|default:'x'|upper }}"),
]

CUSTOM_LIBRARY = "tests.templates.tagapp.templatetags.custom_tags"

TEMPLATES["tagapp/item.html"] = "<span>{{ prefix }}{{ item }}</span>"

# Cases with the custom library (a Django-style templatetags module).
CUSTOM_CASES = [
    ("c_filters", "{% load custom_tags %}{{ 21|double }} {{ name|shout }} {{ html|shout }} {{ html|bold }} {{ name|wrap_with:'*' }}|{% autoescape off %}{{ html|bold }}{% endautoescape %}"),
    ("c_filter_localtime", "{% load custom_tags %}{{ aware|hour }}"),
    ("c_filter_safe_kept", "{% load custom_tags %}{{ html|safe|shout }}"),
    ("c_simple", "{% load custom_tags %}{% add3 1 2 %} {% add3 1 2 c=3 %} {% add3 int 8 as s %}[{{ s }}] {% ctx_name %} {% html_out %} {% safe_out %} {% join_all 1 2 name sep='-' %}"),
    ("c_simple_in_loop", "{% load custom_tags %}{% for n in numbers %}{% add3 n n %},{% endfor %}"),
    ("c_simple_as_in_loop", "{% load custom_tags %}{% for n in numbers %}{% add3 n 1 as m %}{{ m }}{% endfor %}[{{ m }}]"),
    ("c_simple_errors_args", "{% load custom_tags %}{% add3 1 %}"),
    ("c_simple_errors_kw", "{% load custom_tags %}{% add3 1 2 d=4 %}"),
    ("c_simple_errors_many", "{% load custom_tags %}{% add3 1 2 3 4 %}"),
    ("c_simple_errors_order", "{% load custom_tags %}{% add3 a=1 2 %}"),
    ("c_block", "{% load custom_tags %}{% box %}Hello {{ name }}{% endbox %}{% box kind='warn' %}<{{ html }}>{% endbox %}{% ctx_box %}x{% endctx_box %}"),
    ("c_inclusion", "{% load custom_tags %}{% for r in rows %}{% show_item r.name prefix='#' %}{% endfor %}{% show_item html %}{% show_ctx_item %}"),
    ("c_parser_block", "{% load custom_tags %}{% upper %}hello {{ name }} {% for n in numbers %}{{ n }}{% endfor %}{% endupper %}"),
    ("c_setvar", "{% load custom_tags %}{% setvar greeting to name %}{{ greeting }}{% for n in numbers %}{% setvar last to n %}{{ last }}{% endfor %}[{{ last }}]"),
    ("c_setvar_in_with", "{% load custom_tags %}{% with a=1 %}{% setvar b to a %}{{ b }}{% endwith %}[{{ b }}]"),
    ("c_repeat", "{% load custom_tags %}{% for r in rows %}{% repeat 2 %}{{ r.name }}{{ index }}{{ forloop.counter }};{% endrepeat %}{% endfor %}"),
    ("c_lookup", "{% load custom_tags %}{% lookup row.name %} {% lookup nope %}"),
    ("c_setvar_error", "{% load custom_tags %}{% setvar x %}"),
    ("c_load_from", "{% load double shout from custom_tags %}{{ 2|double }}{{ 'a'|shout }}"),
    ("c_load_from_missing", "{% load nothing from custom_tags %}"),
    ("c_not_loaded", "{{ 2|double }}"),
]

# The libraries Django ships in django.templatetags (reinhardt.web.templatetags here).
BUILTIN_LIBRARIES = ["i18n", "static", "l10n", "tz"]
STATIC_URL = "/static/"
MEDIA_URL = "/media/"

LIBRARY_CASES = [
    ("i18n_translate", "{% load i18n %}{% translate 'Hello' %} {% trans '100%% sure' %} {% translate 'x<' as v %}[{{ v }}] {% translate html %} {% translate 'ctx' context 'menu' %} {% translate 'noop' noop %} {% get_current_language as L %}{{ L }} {% get_current_language_bidi as B %}{{ B }}"),
    ("i18n_block", "{% load i18n %}{% blocktranslate %}Hi {{ name }}, 100% & {{ html }}{% endblocktranslate %}|{% blocktranslate count c=numbers|length %}one item{% plural %}{{ c }} items{% endblocktranslate %}|{% blocktranslate count c=1 %}one item{% plural %}{{ c }} items{% endblocktranslate %}|{% blocktranslate with n=name|upper trimmed %}\n  Dear\n  {{ n }}\n{% endblocktranslate %}|{% blocktrans asvar msg %}saved {{ name }}{% endblocktrans %}[{{ msg }}]"),
    ("i18n_errors", "{% load i18n %}{% translate %}"),
    ("i18n_block_error", "{% load i18n %}{% blocktranslate %}{% if x %}{% endif %}{% endblocktranslate %}"),
    ("static_tags", "{% load static %}{% static 'css/a b.css' %} {% static tpl_name %} {% static 'x.js' as u %}[{{ u }}] {% get_static_prefix %} {% get_media_prefix %} {% get_static_prefix as sp %}{{ sp }}"),
    ("static_error", "{% load static %}{% static %}"),
    ("l10n_tags", "{% load l10n %}{{ big }} {% localize off %}{{ big }} {{ date }}{% endlocalize %} {{ big|unlocalize }} {{ big|localize }} {{ int|localize }}"),
    ("tz_tags", "{% load tz %}{{ aware|localtime }} {{ aware|utc }} {{ aware|timezone:'Europe/Paris' }} {% localtime off %}{{ aware }}{% endlocaltime %} {% timezone 'Asia/Tokyo' %}{{ aware }}{% endtimezone %} {% get_current_timezone as TZ %}{{ TZ }} {{ dt|timezone:'UTC' }} [{{ name|utc }}]"),
]

# Rendered by an engine with string_if_invalid set.
STRING_IF_INVALID = "INVALID[%s]"
SII_CASES = [
    ("sii_var", "{{ missing }}|{{ missing|upper }}|{{ row.nothing }}|{{ row.needs_arg }}|{{ row.delete }}|{{ row.broken }}|{{ missing|default:'x' }}"),
    ("sii_tags", "{% if missing %}y{% else %}n{% endif %}|{% for x in missing %}{{ x }}{% empty %}e{% endfor %}|{% with a=missing %}{{ a }}{% endwith %}|{% firstof missing 'f' %}|{% cycle missing 'b' %}"),
    ("sii_filter_arg", "{{ name|default:missing }}"),
    ("sii_include", "{% include 'greet.html' %}"),
]
