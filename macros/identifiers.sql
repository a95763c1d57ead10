{#- Identifier checks. Written by hand because they are a few lines of SQL each and no dbt
    package can be installed here (dbt hub is unreachable). Each identifier has:
      <id>_candidate(column): the raw value in canonical form (spaces dropped, upper case),
                              null when empty or a placeholder;
      <id>_is_valid(candidate): true/false for a candidate, null when absent;
      <id>_clean(candidate):    the candidate when valid, else null.
    The checks take the candidate column, not the raw one, so a model computes the candidate
    once in its own CTE: the checks repeat it many times and DuckDB plans every repetition. -#}


{#- NHS number: 10 digits, the 10th a modulus 11 check digit over the first nine weighted 10..2;
    a check value of 10 is never issued. Repeated digits (1111111111) pass mod 11 but are
    dummies, so they count as absent. -#}
{% macro nhs_number_candidate(column) -%}
    nullif(regexp_replace({{ clean_text(column) }}, '[\s-]', '', 'g'), '')
{%- endmacro %}

{% macro nhs_number_is_valid(candidate) -%}
    case
        when {{ candidate }} is null then null
        when {{ candidate }} = repeat(left({{ candidate }}, 1), 10) then null
        when not regexp_full_match({{ candidate }}, '[0-9]{10}') then false
        else (
            11 - (
    {%- for position in range(1, 10) %}
                try_cast(substr({{ candidate }}, {{ position }}, 1) as integer) * {{ 11 - position }}{{ " +" if not loop.last }}
    {%- endfor %}
            ) % 11
        ) % 11 = try_cast(substr({{ candidate }}, 10, 1) as integer)
    end
{%- endmacro %}

{% macro nhs_number_clean(candidate) -%}
    case when {{ nhs_number_is_valid(candidate) }} then {{ candidate }} end
{%- endmacro %}


{#- National Insurance number: two letters, six digits, a suffix A-D. Never issued: D F I Q U V
    as either prefix letter, O as the second, and the pairs BG GB NK KN TN NT ZZ (HMRC NIM39110).
    Temporary "TN" numbers therefore fail; dummies (QQ123456C) fail or are placeholders. -#}
{% macro ni_number_candidate(column) -%}
    nullif(upper(regexp_replace({{ clean_text(column) }}, '[\s-]', '', 'g')), '')
{%- endmacro %}

{% macro ni_number_is_valid(candidate) -%}
    case
        when {{ candidate }} is null then null
        else regexp_full_match({{ candidate }}, '[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]')
            and left({{ candidate }}, 2) not in ('BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ')
    end
{%- endmacro %}

{% macro ni_number_clean(candidate) -%}
    case when {{ ni_number_is_valid(candidate) }} then {{ candidate }} end
{%- endmacro %}


{#- Unique Pupil Number: 13 characters, a check letter then 12 characters (LA code, school,
    year, serial; the last may be a letter in a temporary UPN). Check letter (DfE UPN guidance):
    the sum of character n's value times n for n = 2..13, modulo 23, indexes the alphabet
    without I, O and S; a letter in position 13 takes its index in that alphabet as its value.
    SSDA903's "UN1".."UN10" (reasons for no UPN) are not UPNs and count as absent. -#}
{% macro upn_alphabet() -%}ABCDEFGHJKLMNPQRTUVWXYZ{%- endmacro %}

{% macro upn_candidate(column) -%}
    nullif(upper(regexp_replace({{ clean_text(column) }}, '\s', '', 'g')), '')
{%- endmacro %}

{% macro upn_is_valid(candidate) -%}
    case
        when {{ candidate }} is null then null
        when regexp_full_match({{ candidate }}, 'UN[0-9]{1,2}') then null
        when not regexp_full_match({{ candidate }}, '[{{ upn_alphabet() }}][0-9]{11}[0-9{{ upn_alphabet() }}]') then false
        else substr(
            '{{ upn_alphabet() }}',
            ((
    {%- for position in range(2, 13) %}
                try_cast(substr({{ candidate }}, {{ position }}, 1) as integer) * {{ position }} +
    {%- endfor %}
                (case
                    when substr({{ candidate }}, 13, 1) between '0' and '9'
                        then try_cast(substr({{ candidate }}, 13, 1) as integer)
                    else strpos('{{ upn_alphabet() }}', substr({{ candidate }}, 13, 1)) - 1
                end) * 13
            ) % 23) + 1,
            1
        ) = left({{ candidate }}, 1)
    end
{%- endmacro %}

{% macro upn_clean(candidate) -%}
    case when {{ upn_is_valid(candidate) }} then {{ candidate }} end
{%- endmacro %}
