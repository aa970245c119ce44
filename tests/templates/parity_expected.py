"""Django 5.2's output for parity_cases.py (written by benchmarks/templates/parity_gen.py)."""

EXPECTED = {'autoescape_bad': ('error',
                    'TemplateSyntaxError',
                    "'autoescape' argument should be 'on' or 'off'"),
 'autoescape_join': ('ok', '1<br>2<br>3<br>4<br>5|[1, 2, 3, 4, 5]'),
 'autoescape_no_arg': ('error',
                       'TemplateSyntaxError',
                       "'autoescape' tag requires exactly one argument."),
 'autoescape_off': ('ok',
                    '<b>bold</b> & \'quoted\' "text"|&lt;b&gt;bold&lt;/b&gt; &amp; '
                    '&#x27;quoted&#x27; &quot;text&quot;'),
 'autoescape_on': ('ok', '<b>bold</b> & \'quoted\' "text"'),
 'block_dup': ('error', 'TemplateSyntaxError', "'block' tag with name 'a' appears more than once"),
 'block_endname': ('error',
                   'TemplateSyntaxError',
                   "Invalid block tag on line 1: 'endblock', expected 'endblock' or 'endblock b'. "
                   'Did you forget to register or load this tag?'),
 'block_no_name': ('error', 'TemplateSyntaxError', "'block' tag takes only one argument"),
 'block_super_base': ('error',
                      'TemplateSyntaxError',
                      "'BlockNode' object has no attribute 'context'. Did you use {{ block.super "
                      '}} in a base template?'),
 'block_two_names': ('error', 'TemplateSyntaxError', "'block' tag takes only one argument"),
 'c_block': ('ok',
             '<div class="note">Hello World</div><div class="warn"><&lt;b&gt;bold&lt;/b&gt; &amp; '
             '&#x27;quoted&#x27; &quot;text&quot;></div>[World:x]'),
 'c_block_as': ('ok', '[<div class="k"><World></div>]'),
 'c_block_unclosed': ('error',
                      'TemplateSyntaxError',
                      "Unclosed tag on line 1: 'box'. Looking for one of: endbox."),
 'c_filter_localtime': ('ok', '10'),
 'c_filter_safe_kept': ('ok', '<B>BOLD</B> & \'QUOTED\' "TEXT"!'),
 'c_filters': ('ok',
               '42 WORLD! &lt;B&gt;BOLD&lt;/B&gt; &amp; &#x27;QUOTED&#x27; &quot;TEXT&quot;! '
               '<b>&lt;b&gt;bold&lt;/b&gt; &amp; &#x27;quoted&#x27; &quot;text&quot;</b> '
               '*World*|<b><b>bold</b> & \'quoted\' "text"</b>'),
 'c_inclusion': ('ok',
                 '<span>#apple</span><span>#Banana &amp; '
                 'co</span><span>#cherry</span><span>-&lt;b&gt;bold&lt;/b&gt; &amp; '
                 '&#x27;quoted&#x27; &quot;text&quot;</span><span>*World</span>'),
 'c_inclusion_missing_arg': ('error',
                             'TemplateSyntaxError',
                             "'show_item' did not receive value(s) for the argument(s): 'item'"),
 'c_load_from': ('ok', '4A!'),
 'c_load_from_missing': ('error',
                         'TemplateSyntaxError',
                         "'nothing' is not a valid tag or filter in tag library 'custom_tags'"),
 'c_lookup': ('ok', 'apple (missing)'),
 'c_not_loaded': ('error', 'TemplateSyntaxError', "Invalid filter: 'double'"),
 'c_parser_block': ('ok', 'HELLO WORLD 12345'),
 'c_repeat': ('ok', 'apple01;apple11;Banana &amp; co02;Banana &amp; co12;cherry03;cherry13;'),
 'c_setvar': ('ok', 'World12345[]'),
 'c_setvar_error': ('error', 'TemplateSyntaxError', "'setvar' tag syntax: setvar NAME to VALUE"),
 'c_setvar_in_with': ('ok', '1[]'),
 'c_simple': ('ok', '3 6 [50] World &lt;i&gt;not safe&lt;/i&gt; <i>safe &amp; sound</i> 1-2-World'),
 'c_simple_as_in_loop': ('ok', '23456[]'),
 'c_simple_dup_kw': ('error',
                     'TemplateSyntaxError',
                     "'add3' received multiple values for keyword argument 'b'"),
 'c_simple_errors_args': ('error',
                          'TemplateSyntaxError',
                          "'add3' did not receive value(s) for the argument(s): 'b'"),
 'c_simple_errors_kw': ('error',
                        'TemplateSyntaxError',
                        "'add3' received unexpected keyword argument 'd'"),
 'c_simple_errors_many': ('error',
                          'TemplateSyntaxError',
                          "'add3' received too many positional arguments"),
 'c_simple_errors_order': ('error',
                           'TemplateSyntaxError',
                           "'add3' received some positional argument(s) after some keyword "
                           'argument(s)'),
 'c_simple_in_loop': ('ok', '2,4,6,8,10,'),
 'c_simple_kw_fills_param': ('ok', '3'),
 'c_varargs': ('ok', '1-2-World|'),
 'c_varargs_bad_kw': ('error',
                      'TemplateSyntaxError',
                      "'join_all' received unexpected keyword argument 'x'"),
 'comment_note': ('ok', 'ab'),
 'comment_tag': ('ok', 'abc'),
 'csrf_none': ('ok', '[]'),
 'csrf_notprovided': ('ok', '[]'),
 'csrf_value': ('ok', '<input type="hidden" name="csrfmiddlewaretoken" value="tok<en>">'),
 'cycle_bad_flag': ('error',
                    'TemplateSyntaxError',
                    "Only 'silent' flag is allowed after cycle's name, not 'loud'."),
 'cycle_basic': ('ok', 'odd even odd even odd '),
 'cycle_empty': ('error', 'TemplateSyntaxError', "'cycle' tag requires at least two arguments"),
 'cycle_named': ('ok', 'aab|cca|bbc|aab|cca|'),
 'cycle_named_missing': ('error', 'TemplateSyntaxError', "Named cycle 'cd' does not exist"),
 'cycle_one_arg_as': ('ok', 'aa'),
 'cycle_reset': ('ok', 'ababa|ababa|ababa|'),
 'cycle_silent': ('ok', '<r1><r2><r1><r2><r1>'),
 'cycle_undefined': ('error',
                     'TemplateSyntaxError',
                     "No named cycles in template. 'foo' is not defined"),
 'cycle_vars': ('ok',
                'apple;&lt;b&gt;bold&lt;/b&gt; &amp; &#x27;quoted&#x27; &quot;text&quot;;lit;'),
 'empty_block_tag': ('error', 'TemplateSyntaxError', 'Empty block tag on line 1'),
 'escape_then_upper': ('ok',
                       '&amp;LT;B&amp;GT;BOLD&amp;LT;/B&amp;GT; &amp;AMP; '
                       "&amp;#X27;QUOTED&amp;#X27; &amp;QUOT;TEXT&amp;QUOT;|<B>BOLD</B> & 'QUOTED' "
                       '"TEXT"'),
 'extends_base': ('ok',
                  '<html><title>Base title</title>\n<body><p>base body</p>\nFF</body></html>'),
 'extends_chain': ('ok',
                   '<html><title>Child/Middle/Base title</title>\n'
                   '<body><p>apple</p><p>Banana &amp; co</p><p>cherry</p>\n'
                   '<footer>child + mid credits</footer></body></html>'),
 'extends_empty_name': ('error',
                        'TemplateSyntaxError',
                        "Invalid template name in 'extends' tag: None. Got this from the 'none' "
                        'variable.'),
 'extends_missing': ('error', 'TemplateDoesNotExist', 'nope.html'),
 'extends_no_arg': ('error', 'TemplateSyntaxError', "'extends' takes one argument"),
 'extends_not_first': ('error',
                       'TemplateSyntaxError',
                       "{% extends 'base.html' %} must be the first tag in the template."),
 'extends_relative': ('ok', '[rel child]'),
 'extends_twice': ('error',
                   'TemplateSyntaxError',
                   "'extends' cannot appear more than once in the same template"),
 'extends_variable': ('ok', '<html><title>dyn</title>\n<body><p>base body</p>\n</body></html>'),
 'f_add': ('ok', '50 11 [1, 2, 3, 4, 5, (&#x27;a&#x27;, 1), (&#x27;b&#x27;, 2)] World! '),
 'f_addslashes': ('ok',
                  '&lt;b&gt;bold&lt;/b&gt; &amp; \\&#x27;quoted\\&#x27; \\&quot;text\\&quot;'),
 'f_arg_count': ('error', 'TemplateSyntaxError', 'upper requires 1 arguments, 2 provided'),
 'f_capfirst_title': ('ok', "Hello world They're Bill's 1st"),
 'f_center_just': ('ok', '[   World   ][World   ][   World]'),
 'f_chain_localtime': ('ok', '2024-07-04 10:30 CDT|July 4, 2024, 10:30 a.m.'),
 'f_cut': ('ok', 'Thequickbrownfoxjumpsoverthelazydog'),
 'f_date': ('ok',
            'Thu 04 Jul 2024 09:05:03 000120|4th July 2024, July, Thursday, 4, 186, 27, True, 31, '
            '24, 7, jul, July|9:05 a.m. AM 9:05 9:05 a.m. 9 09|Feb. 29, '
            '2024|07/04/2024|2024-07-04T10:30:00-05:00 CDT -0500 CDT -18000 1 1720107000 Thu, 04 '
            'Jul 2024 10:30:00 -0500|Thu, 29 Feb 2024 00:00:00 -0600|Yes 2024'),
 'f_date_bad': ('error',
                'TypeError',
                'The format for date objects may not contain time-related format specifiers (found '
                "'H')."),
 'f_date_noon': ('ok', 'noon midnight 12 a.m.'),
 'f_default': ('ok', 'd z World m dn 0'),
 'f_default_chain_missing': ('ok', 'X'),
 'f_dictsort': ('ok', 'JohnJaneAnn|JohnJaneAnn|Banana &amp; coapplecherry||ab'),
 'f_divisibleby': ('ok', 'True False'),
 'f_edges': ('ok',
             '1,234,567.9|1234567.891|1234567.89|1234.6|nan|inf|1e300|3.14159|&amp;ampx|b>bold/b> '
             '& \'quoted\' "text"|a\\\\b\\"c|[1, 2, 3, 4, 5]|/a b||'),
 'f_escapejs': ('ok', 'line\\u000A\\u0027quote\\u0027 \\u003Cscript\\u003E'),
 'f_filesizeformat': ('ok',
                      '0\xa0bytes|1\xa0byte|1023\xa0bytes|1.0\xa0KB|117.7\xa0MB|4.7\xa0GB|-2.0\xa0'
                      'KB|0\xa0bytes|1.0\xa0PB'),
 'f_first_last': ('ok', '1 5 W [] []'),
 'f_floatformat': ('ok',
                   '3.1|3.142|34|34|34.27|1234567.89|1,234,567.89|1234.6|-1|||2|3|0.00|0.00|10000000000.0|12,345|1.2|3.14159'),
 'f_get_digit': ('ok', '5 0 abc 123'),
 'f_iriencode_urlencode': ('ok', '/x?a=b%20c&%C3%A9|/a%20b%3Fc%3Dd%26e|%2Fa%20b'),
 'f_join': ('ok', '1, 2, 3, 4, 5|W-o-r-l-d|42'),
 'f_json_script': ('ok',
                   '<script id="data" type="application/json">{"deep": [10, 20]}</script>|<script '
                   'type="application/json">"\\u003Cb\\u003Ebold\\u003C/b\\u003E \\u0026 '
                   '\'quoted\' \\"text\\""</script>'),
 'f_length': ('ok', '5 5 0 0'),
 'f_linebreaks': ('ok',
                  '<p>First line<br>second line</p>\n'
                  '\n'
                  '<p>New paragraph<br>end</p>|First line<br>second line<br><br>New '
                  'paragraph<br>end|<p>&lt;b&gt;bold&lt;/b&gt; &amp; &#x27;quoted&#x27; '
                  '&quot;text&quot;</p>'),
 'f_linenumbers': ('ok', '1. First line\n2. second line\n3. \n4. New paragraph\r\n5. end'),
 'f_lower_upper': ('ok',
                   '&lt;b&gt;bold&lt;/b&gt; &amp; &#x27;quoted&#x27; &quot;text&quot; '
                   '&lt;B&gt;BOLD&lt;/B&gt; &amp; &#x27;QUOTED&#x27; &quot;TEXT&quot;'),
 'f_make_list': ('ok',
                 '[&#x27;W&#x27;, &#x27;o&#x27;, &#x27;r&#x27;, &#x27;l&#x27;, &#x27;d&#x27;] '
                 '[&#x27;1&#x27;, &#x27;2&#x27;, &#x27;3&#x27;]'),
 'f_numbers_in_output': ('error',
                         'TemplateSyntaxError',
                         "Could not parse the remainder: '-7' from '1e-7'"),
 'f_phone2numeric': ('ok', '1-800-2655328'),
 'f_pluralize': ('ok', 'ss es yies s[] '),
 'f_pprint': ('ok', '{&#x27;deep&#x27;: [10, 20]}'),
 'f_random_single': ('ok', 'a '),
 'f_safeseq_escapeseq': ('ok', 'fruit, red|&lt;a&gt;<br>b&amp;c|&lt;a&gt;<br>b&amp;c'),
 'f_slice': ('ok', '[1, 2] [2, 3, 4] Wrd [1, 2, 3, 4, 5] [4, 5]'),
 'f_slugify': ('ok', 'hello-world-its-me'),
 'f_stringformat': ('ok', '00042 3.14 World (&#x27;a&#x27;, 1) [] 2a'),
 'f_striptags': ('ok', 'Lorem ipsum dolor sit amet consectetur adipiscing|xy'),
 'f_time': ('ok', '1:45 p.m. 13:45 9 a.m. []'),
 'f_timesince': ('ok',
                 '2\xa0months, 2\xa0weeks|0\xa0minutes|0\xa0minutes|2\xa0months, 2\xa0weeks|2\xa0'
                 'weeks, 1\xa0day|[]|0\xa0minutes'),
 'f_timeuntil_text': ('error', 'AttributeError', "'SafeString' object has no attribute 'year'"),
 'f_truncate': ('ok',
                'The quic…|The quick brown fox jumps over the lazy dog|The quick brown fox jumps '
                'over the lazy dog|The quick brown …||…|World'),
 'f_truncate_html': ('ok',
                     '&lt;p&gt;Lorem &lt;b&gt;ipsum…&lt;/b&gt;&lt;/p&gt;|&lt;p&gt;Lorem '
                     '&lt;b&gt;ipsum dolor&lt;/b&gt; …&lt;/p&gt;|&lt;p&gt;Lorem &lt;b&gt;ipsum '
                     'dolor&lt;/b&gt; sit amet &lt;i&gt;consectetur&lt;/i&gt; '
                     'adipiscing&lt;/p&gt;|<p>ab…</p>'),
 'f_unordered_list': ('ok',
                      '\t<li>States\n'
                      '\t<ul>\n'
                      '\t\t<li>Kansas\n'
                      '\t\t<ul>\n'
                      '\t\t\t<li>Lawrence</li>\n'
                      '\t\t\t<li>Topeka</li>\n'
                      '\t\t</ul>\n'
                      '\t\t</li>\n'
                      '\t\t<li>Illinois</li>\n'
                      '\t</ul>\n'
                      '\t</li>'),
 'f_urlize': ('ok',
              'Visit <a href="http://www.example.com" rel="nofollow">www.example.com</a> or <a '
              'href="https://djangoproject.com/path?x=1&amp;y=2" '
              'rel="nofollow">https://djangoproject.com/path?x=1&amp;y=2</a>. Mail <a '
              'href="mailto:me@example.org">me@example.org</a>!'),
 'f_urlize_more': ('ok',
                   '(see <a href="http://www.example.com" '
                   'rel="nofollow">www.example.com</a>)|x@y|<a '
                   'href="mailto:foo.bar@example.co.uk">foo.bar@example.co.uk</a>;|<a><a '
                   'href="http://a.com" rel="nofollow">http://a.com</a></a>|<a '
                   'href="http://example.com/?q=a" rel="nofollow">http://example.com/?q=a</a> '
                   'b&amp;c|Go to <a href="http://example.org/path" '
                   'rel="nofollow">example.org/path</a>!'),
 'f_urlizetrunc': ('ok',
                   'Visit <a href="http://www.example.com" rel="nofollow">www.example.com</a> or '
                   '<a href="https://djangoproject.com/path?x=1&amp;y=2" '
                   'rel="nofollow">https://django…</a>. Mail <a '
                   'href="mailto:me@example.org">me@example.org</a>!'),
 'f_wordcount_wrap': ('ok',
                      '9|The quick\n'
                      'brown fox\n'
                      'jumps over\n'
                      'the lazy\n'
                      'dog|First\n'
                      'line\n'
                      'second\n'
                      'line\n'
                      '\n'
                      'New\n'
                      'paragraph\n'
                      'end'),
 'f_yesno': ('ok', 'yes no maybe y n m True'),
 'filter_tag': ('ok', 'HELL WRLD WRLD <B>'),
 'filter_tag_chain': ('ok', 'ab &lt;b&gt;bold&lt;/b&gt; &amp; &#27;quoted&#27; &quot;tet&quot;'),
 'filter_tag_escape': ('error',
                       'TemplateSyntaxError',
                       '"filter escape" is not permitted.  Use the "autoescape" tag instead.'),
 'filter_tag_safe': ('error',
                     'TemplateSyntaxError',
                     '"filter safe" is not permitted.  Use the "autoescape" tag instead.'),
 'firstof': ('ok', '&lt;b&gt;bold&lt;/b&gt; &amp; &#x27;quoted&#x27; &quot;text&quot;|lit<||World'),
 'firstof_empty': ('error',
                   'TemplateSyntaxError',
                   "'firstof' statement requires at least one argument"),
 'firstof_only_as': ('ok', '[]'),
 'for_bad': ('error',
             'TemplateSyntaxError',
             "'for' statements should use the format 'for x in y': for x on y"),
 'for_bad_var': ('error',
                 'TemplateSyntaxError',
                 "'for' tag received an invalid argument: for x|y in z"),
 'for_bad_var_pipe': ('error',
                      'TemplateSyntaxError',
                      "'for' tag received an invalid argument: for x| in numbers"),
 'for_basic': ('ok', '1, 2, 3, 4, 5'),
 'for_callable_items': ('ok', 'hi &lt;there&gt;lambda!'),
 'for_dict': ('ok', 'deep'),
 'for_empty': ('ok', 'nothingmissing'),
 'for_forloop': ('ok',
                 '[1054TrueFalse][2143FalseFalse][3232FalseFalse][4321FalseFalse][5410FalseTrue]'),
 'for_forloop_print': ('ok',
                       '{&#x27;parentloop&#x27;: {}, &#x27;counter0&#x27;: 0, &#x27;counter&#x27;: '
                       '1, &#x27;revcounter&#x27;: 2, &#x27;revcounter0&#x27;: 1, '
                       '&#x27;first&#x27;: True, &#x27;last&#x27;: False}{&#x27;parentloop&#x27;: '
                       '{}, &#x27;counter0&#x27;: 1, &#x27;counter&#x27;: 2, '
                       '&#x27;revcounter&#x27;: 1, &#x27;revcounter0&#x27;: 0, &#x27;first&#x27;: '
                       'False, &#x27;last&#x27;: True}'),
 'for_int': ('error', 'TypeError', "'int' object is not iterable"),
 'for_nested_parent': ('ok', '1.1fruit 1.2red 2.1fruit '),
 'for_reversed': ('ok', '54321'),
 'for_reversed_unpack': ('ok', 'b2a1'),
 'for_shadow': ('ok', '12345World'),
 'for_short': ('error',
               'TemplateSyntaxError',
               "'for' statements should have at least four words: for x in"),
 'for_string': ('ok', 'W-o-r-l-d-'),
 'for_unpack': ('ok', 'a=1;b=2;deep[10, 20]'),
 'for_unpack_error': ('error', 'ValueError', 'Need 3 values to unpack in for loop; got 2. '),
 'i18n_as_variable_error': ('error',
                            'TemplateSyntaxError',
                            "'get_current_language' requires 'as variable' (got "
                            "['get_current_language'])"),
 'i18n_block': ('ok',
                'Hi World, 100% & &lt;b&gt;bold&lt;/b&gt; &amp; &#x27;quoted&#x27; '
                '&quot;text&quot;|5 items|one item|Dear WORLD|[saved World]'),
 'i18n_block_asvar_missing': ('error',
                              'TemplateSyntaxError',
                              "No argument provided to the 'blocktranslate' tag for the asvar "
                              'option.'),
 'i18n_block_context': ('ok', 'Hi World|2 many'),
 'i18n_block_context_missing': ('error',
                                'TemplateSyntaxError',
                                '"context" in \'blocktranslate\' tag expected exactly one '
                                'argument.'),
 'i18n_block_count_decimal': ('ok', '1234.5678 many'),
 'i18n_block_count_nan': ('error',
                          'TemplateSyntaxError',
                          "'c' argument to 'blocktranslate' tag must be a number."),
 'i18n_block_count_two': ('error',
                          'TemplateSyntaxError',
                          '"count" in \'blocktranslate\' tag expected exactly one keyword '
                          'argument.'),
 'i18n_block_dup': ('error',
                    'TemplateSyntaxError',
                    "The 'trimmed' option was specified more than once."),
 'i18n_block_error': ('error',
                      'TemplateSyntaxError',
                      "'blocktranslate' doesn't allow other block tags (seen 'if x') inside it"),
 'i18n_block_missing_var': ('ok',
                            'Hi  &lt;b&gt;bold&lt;/b&gt; &amp; &#x27;quoted&#x27; '
                            '&quot;text&quot;|World'),
 'i18n_block_no_plural': ('error',
                          'TemplateSyntaxError',
                          "'blocktranslate' doesn't allow other block tags inside it"),
 'i18n_block_unclosed_plural': ('error',
                                'TemplateSyntaxError',
                                "'blocktranslate' doesn't allow other block tags (seen 'many') "
                                'inside it'),
 'i18n_block_unknown': ('error',
                        'TemplateSyntaxError',
                        "Unknown argument for 'blocktranslate' tag: 'bogus'."),
 'i18n_block_with_empty': ('error',
                           'TemplateSyntaxError',
                           '"with" in \'blocktranslate\' tag needs at least one keyword argument.'),
 'i18n_errors': ('error', 'TemplateSyntaxError', "'translate' takes at least one argument"),
 'i18n_language': ('ok', 'de'),
 'i18n_language_error': ('error',
                         'TemplateSyntaxError',
                         "'language' takes one argument (language)"),
 'i18n_language_info': ('ok',
                        'German Deutsch True False français he Hebrew True de=Deutsch,he=עברית,'),
 'i18n_language_info_list_string': ('error', 'KeyError', 'Unknown language code d.'),
 'i18n_language_info_list_syntax': ('error',
                                    'TemplateSyntaxError',
                                    "'get_language_info_list' requires 'for sequence as variable' "
                                    "(got ['for', 'langs'])"),
 'i18n_language_info_syntax': ('error',
                               'TemplateSyntaxError',
                               "'get_language_info' requires 'for string as variable' (got "
                               '["\'de\'", \'as\', \'l\'])'),
 'i18n_language_unknown': ('error', 'KeyError', 'Unknown language code xx.'),
 'i18n_translate': ('ok',
                    'Hello 100%% sure [x<] &lt;b&gt;bold&lt;/b&gt; &amp; &#x27;quoted&#x27; '
                    '&quot;text&quot; ctx noop en-us False'),
 'i18n_translate_as_missing': ('error',
                               'TemplateSyntaxError',
                               "No argument provided to the 'translate' tag for the as option."),
 'i18n_translate_as_noop': ('ok', '[a<%]WORLD'),
 'i18n_translate_ctx_invalid': ('error',
                                'TemplateSyntaxError',
                                "Invalid argument 'as' provided to the 'translate' tag for the "
                                'context option'),
 'i18n_translate_ctx_missing': ('error',
                                'TemplateSyntaxError',
                                "No argument provided to the 'translate' tag for the context "
                                'option.'),
 'i18n_translate_dup': ('error',
                        'TemplateSyntaxError',
                        "The 'noop' option was specified more than once."),
 'i18n_translate_unknown': ('error',
                            'TemplateSyntaxError',
                            "Unknown argument for 'translate' tag: 'bogus'. The only options "
                            'available are \'noop\', \'context\' "xxx", and \'as VAR\'.'),
 'if_and_chain_value': ('ok', 'value'),
 'if_bad_position': ('error',
                     'TemplateSyntaxError',
                     "Not expecting '==' in this position in if tag."),
 'if_basic': ('ok', 'yeselse'),
 'if_elif': ('ok', 'one,few,many,many,five,'),
 'if_elif_chain': ('ok', 'one;two;other;other;big;'),
 'if_empty': ('error', 'TemplateSyntaxError', 'Unexpected end of expression in if tag.'),
 'if_filters': ('ok', 'longw'),
 'if_malformed': ('error',
                  'TemplateSyntaxError',
                  "Invalid block tag on line 1: 'else', expected 'endif'. Did you forget to "
                  'register or load this tag?'),
 'if_malformed_else': ('error',
                       'TemplateSyntaxError',
                       'Malformed template tag at line 1: "else foo"'),
 'if_missing_end': ('error',
                    'TemplateSyntaxError',
                    "Unclosed tag on line 1: 'if'. Looking for one of: elif, else, endif."),
 'if_ops': ('ok', 'ABCDE'),
 'if_precedence': ('ok', 'TX'),
 'if_type_error': ('ok', 'err-falsemf'),
 'if_unused': ('error', 'TemplateSyntaxError', "Unused 'b' at end of if expression."),
 'ifchanged_content': ('ok', '<h>F</h>Jane <h>M</h>John <h>F</h>Ann '),
 'ifchanged_else': ('ok', '[a][b]'),
 'ifchanged_nested': ('ok', 'appleBanana &amp; cocherry'),
 'ifchanged_vars': ('ok', '12345'),
 'include_bad_option': ('error',
                        'TemplateSyntaxError',
                        "Unknown argument for 'include' tag: 'foo'."),
 'include_basic': ('ok', '<li>apple=4.50</li><li>Banana &amp; co=3.0</li><li>cherry=0</li>'),
 'include_block': ('ok', 'inner default'),
 'include_cycle_isolated': ('ok', 'xxxxx'),
 'include_empty_name': ('error', 'TemplateDoesNotExist', 'No template names provided'),
 'include_forloop': ('ok', '1:12:23:34:45:5'),
 'include_list': ('ok', 'Hello World'),
 'include_missing': ('error', 'TemplateDoesNotExist', 'nope.html'),
 'include_no_arg': ('error',
                    'TemplateSyntaxError',
                    "'include' tag takes at least one argument: the name of the template to be "
                    'included.'),
 'include_only_twice': ('error',
                        'TemplateSyntaxError',
                        "The 'only' option was specified more than once."),
 'include_var': ('ok', 'Hello World'),
 'include_with': ('ok', 'Hello World!|Hello you'),
 'include_with_empty': ('error',
                        'TemplateSyntaxError',
                        '"with" in \'include\' tag needs at least one keyword argument.'),
 'include_with_only': ('ok', '<li>= (3)</li><li>= (12)</li><li>=</li>'),
 'include_with_push': ('ok', 'Hello a?[]'),
 'l10n_tags': ('ok', '1234567.891 1234567.891 Feb. 29, 2024 1234567.891 1234567.891 42'),
 'load_from_unknown_lib': ('error',
                           'TemplateSyntaxError',
                           "'nosuchlib' is not a registered tag library. Must be one of:\n"
                           'custom_tags\n'
                           'i18n\n'
                           'l10n\n'
                           'static\n'
                           'tz'),
 'load_unknown': ('error',
                  'TemplateSyntaxError',
                  "'nosuchlib' is not a registered tag library. Must be one of:\n"
                  'custom_tags\n'
                  'i18n\n'
                  'l10n\n'
                  'static\n'
                  'tz'),
 'lorem': ('ok',
           'lorem ipsum dolor|<p>Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do '
           'eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, '
           'quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. '
           'Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat '
           'nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui '
           'officia deserunt mollit anim id est laborum.</p>|Lorem ipsum dolor sit amet, '
           'consectetur adipisicing elit, sed do eiusmod tempor incididunt ut labore et dolore '
           'magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi '
           'ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in '
           'voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat '
           'cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est '
           'laborum.'),
 'lorem_bad': ('error', 'TemplateSyntaxError', "Incorrect format for 'lorem' tag"),
 'lorem_forms': ('ok',
                 'Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor '
                 'incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis '
                 'nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. '
                 'Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu '
                 'fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in '
                 'culpa qui officia deserunt mollit anim id est laborum.|lorem|[]'),
 'now_as': ('ok', '[4]'),
 'now_errors': ('error', 'TemplateSyntaxError', "'now' statement takes one argument"),
 'regroup': ('ok', 'F:Jane,|M:John,|F:Ann,|'),
 'regroup_bad': ('error',
                 'TemplateSyntaxError',
                 "next-to-last argument to 'regroup' tag must be 'as'"),
 'regroup_missing': ('ok', '[[]]'),
 'regroup_not_as': ('error',
                    'TemplateSyntaxError',
                    "second argument to 'regroup' tag must be 'by'"),
 'regroup_short': ('error', 'TemplateSyntaxError', "'regroup' tag takes five arguments"),
 'resetcycle_named': ('ok', 'ababa'),
 'resetcycle_named_missing': ('error', 'TemplateSyntaxError', "Named cycle 'cd' does not exist."),
 'resetcycle_none': ('error', 'TemplateSyntaxError', 'No cycles in template.'),
 'resetcycle_too_many': ('error',
                         'TemplateSyntaxError',
                         "'resetcycle' tag accepts at most one argument."),
 'safe_filters': ('ok',
                  '<b>bold</b> & \'quoted\' "text"|&lt;b&gt;bold&lt;/b&gt; &amp; '
                  '&#x27;quoted&#x27; &quot;text&quot;|&lt;b&gt;bold&lt;/b&gt; &amp; '
                  '&#x27;quoted&#x27; &quot;text&quot;|&lt;b&gt;bold&lt;/b&gt; &amp; '
                  '&#x27;quoted&#x27; &quot;text&quot;'),
 'scope_autoescape_include': ('ok',
                              '<b>bold</b> & \'quoted\' "text"|&lt;b&gt;bold&lt;/b&gt; &amp; '
                              '&#x27;quoted&#x27; &quot;text&quot;'),
 'scope_block_in_loop': ('ok',
                         '[apple|1|<apple>][Banana &amp; co|2|<Banana &amp; '
                         'co>][cherry|3|<cherry>]'),
 'scope_cycle_nested': ('ok', 'xyzxyzxyzx'),
 'scope_filter_loop': ('ok', 'APPLE,BANANA &AMP; CO,CHERRY'),
 'scope_firstof_loop': ('ok', '3;12;cherry;'),
 'scope_for_callable_root': ('ok', 'HI &lt;THERE&gt;HI &lt;THERE&gt;LAMBDA!LAMBDA!'),
 'scope_forloop_filters': ('ok', '11F<5>12<4>13<3>14<2>15<1>'),
 'scope_ifchanged_in_include_loop': ('ok', '[F]Hello Jane[M]Hello John[F]Hello Ann'),
 'scope_loopvar_shadows_outer': ('ok', '12345outer'),
 'scope_nested_include': ('ok', '1:a2:b1;1:a2:b2;1:a2:b3;1:a2:b4;1:a2:b5;'),
 'scope_regroup_in_loop': ('ok', '333[]'),
 'scope_unpack_include': ('ok', 'a:1/1 b:2/2 '),
 'scope_with_in_loop_context': ('ok', 'Hello appleHello Banana &amp; coHello cherry'),
 'scope_with_include': ('ok', 'Hello <w>'),
 'sii_filter_arg': ('error', 'VariableDoesNotExist', 'Failed lookup for key [%s] in %r'),
 'sii_include': ('ok', 'Hello World'),
 'sii_tags': ('ok', 'n|e|INVALID[missing]|f|INVALID[missing]'),
 'sii_var': ('ok',
             'INVALID[missing]|INVALID[missing]|INVALID[row.nothing]|INVALID[%s]|INVALID[%s]|INVALID[%s]|INVALID[missing]'),
 'spaceless': ('ok', "<p><a href='x'>  link </a></p>"),
 'static_error': ('error',
                  'TemplateSyntaxError',
                  "'static' takes at least one argument (path to file)"),
 'static_tags': ('ok',
                 '/static/css/a%20b.css /static/greet.html [/static/x.js] /static/ /media/ '
                 '/static/'),
 'templatetag': ('ok', '{%%}{{}}{}{##}'),
 'templatetag_bad': ('error',
                     'TemplateSyntaxError',
                     "Invalid templatetag argument: 'nope'. Must be one of: ['openblock', "
                     "'closeblock', 'openvariable', 'closevariable', 'openbrace', 'closebrace', "
                     "'opencomment', 'closecomment']"),
 'templatetag_no_arg': ('error',
                        'TemplateSyntaxError',
                        "'templatetag' statement takes one argument"),
 'tz_tags': ('ok',
             'July 4, 2024, 10:30 a.m. July 4, 2024, 3:30 p.m. July 4, 2024, 5:30 p.m. July 4, '
             '2024, 3:30 p.m. July 5, 2024, 12:30 a.m. America/Chicago July 4, 2024, 2:05 p.m. []'),
 'unclosed_tag': ('error',
                  'TemplateSyntaxError',
                  "Unclosed tag on line 1: 'for'. Looking for one of: empty, endfor."),
 'unknown_tag': ('error',
                 'TemplateSyntaxError',
                 "Invalid block tag on line 1: 'frobnicate'. Did you forget to register or load "
                 'this tag?'),
 'unknown_tag_in_block': ('error',
                          'TemplateSyntaxError',
                          "Invalid block tag on line 1: 'frobnicate', expected 'elif', 'else' or "
                          "'endif'. Did you forget to register or load this tag?"),
 'var_alters_data': ('ok', '[]'),
 'var_attr_call': ('ok', 'apple 4.50 fruit '),
 'var_bad_chars': ('error',
                   'TemplateSyntaxError',
                   "Could not parse the remainder: '|' from 'name|upper|'"),
 'var_bad_filter': ('error', 'TemplateSyntaxError', "Invalid filter: 'nosuchfilter'"),
 'var_builtins': ('ok', 'True False None'),
 'var_dates': ('ok', 'Feb. 29, 2024|July 4, 2024, 9:05 a.m.|July 4, 2024, 10:30 a.m.|1:45 p.m.'),
 'var_dict': ('ok', 'value shadowed 20 int key'),
 'var_do_not_call': ('ok', 'class attribute'),
 'var_empty_tag': ('error', 'TemplateSyntaxError', 'Empty variable tag on line 1'),
 'var_escape': ('ok', '&lt;b&gt;bold&lt;/b&gt; &amp; &#x27;quoted&#x27; &quot;text&quot;'),
 'var_filter_args': ('error', 'TemplateSyntaxError', 'cut requires 2 arguments, 1 provided'),
 'var_filter_missing_arg': ('error', 'VariableDoesNotExist', 'Failed lookup for key [%s] in %r'),
 'var_func': ('ok', 'hi &lt;there&gt;'),
 'var_list': ('ok', '[1, 2, 3, 4, 5] [(&#x27;a&#x27;, 1), (&#x27;b&#x27;, 2)] []'),
 'var_literals': ('ok', 'a&b 5 1.5 X single'),
 'var_missing': ('ok', '[][][]'),
 'var_needs_arg': ('ok', '[]'),
 'var_numbers': ('ok', '42 3.14159 1234567.891 1234.5678 -0.5 0 True None'),
 'var_plain': ('ok', 'Hello World!'),
 'var_silent': ('ok', '[]'),
 'var_str_obj': ('ok', 'Row apple'),
 'var_underscore': ('error',
                    'TemplateSyntaxError',
                    "Variables and attributes may not begin with underscores: 'row._secret'"),
 'verbatim': ('ok', '{{ raw }} {% if %}|{% endverbatim %}'),
 'widthratio': ('ok', '88|0||[50]'),
 'widthratio_as': ('ok', '[33]'),
 'widthratio_bad': ('error', 'TemplateSyntaxError', 'widthratio final argument must be a number'),
 'widthratio_bad_as': ('error',
                       'TemplateSyntaxError',
                       "Invalid syntax in widthratio tag. Expecting 'as' keyword"),
 'widthratio_nan': ('ok', '|||'),
 'widthratio_two': ('error', 'TemplateSyntaxError', 'widthratio takes at least three arguments'),
 'with_as_and_eq': ('error', 'TemplateSyntaxError', "'with' received an invalid token: 'name'"),
 'with_bad': ('error', 'TemplateSyntaxError', "'with' expected at least one variable assignment"),
 'with_bad_token': ('error', 'TemplateSyntaxError', "'with' received an invalid token: 'b'"),
 'with_basic': ('ok', 'x4.50'),
 'with_legacy': ('ok', 'APPLE'),
 'with_nested': ('ok', '211')}
