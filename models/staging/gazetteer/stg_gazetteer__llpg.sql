{% set date_format = '%Y-%m-%d' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {'uprn': parse_uprn('uprn')} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('gazetteer', 'llpg'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['uprn']) }}
),

typed as (
    select
        {{ key.uprn }} as uprn,
        {{ parse_uprn('parent_uprn') }} as parent_uprn,
        {{ parse_integer('usrn', 'bigint') }} as usrn,
        {{ clean_text('sao_text') }} as sao_text,
        {{ clean_text('pao_text') }} as pao_text,
        {{ clean_text('street_description') }} as street_description,
        {{ clean_text('locality') }} as locality,
        {{ clean_text('town') }} as town,
        {{ normalise_postcode('postcode') }} as postcode,
        {{ clean_code('classification_code') }} as classification_code,
        {{ clean_code('ward_code') }} as ward_code,
        {{ clean_text('ward_name') }} as ward_name,
        {{ clean_code('lsoa_code') }} as lsoa_code,
        try_cast({{ clean_text('x_coordinate') }} as double) as x_coordinate,
        try_cast({{ clean_text('y_coordinate') }} as double) as y_coordinate,
        {{ parse_date('start_date', date_format) }} as started_on,
        {{ parse_date('end_date', date_format) }} as ended_on,
        {{ parse_integer('logical_status') }} as logical_status,
        _extract_date as extract_date
    from latest
),

addressed as (
    select
        *,
        -- BS 7666 order: SAO, then PAO and street ("21 Ash Grove", but "Rose Cottage, Ash Grove").
        concat_ws(
            ', ',
            sao_text,
            case
                when regexp_full_match(upper(pao_text), '[0-9]+[A-Z]?(-[0-9]+[A-Z]?)?')
                    then pao_text || ' ' || street_description
                else concat_ws(', ', pao_text, street_description)
            end,
            locality,
            town
        ) as address_text,
        classification_code like 'RD06%' or parent_uprn is not null as is_flat,
        logical_status = 1 and ended_on is null as is_current
    from typed
),

finished as (
    select
        *,
        concat_ws(', ', address_text, postcode) as full_address,
        {{ standardise_address('address_text') }} as address_std
    from addressed
)

select * from finished
