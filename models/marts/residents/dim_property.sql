{{ config(materialized='table', schema='marts') }}

with

gazetteer as (
    select * from {{ ref('stg_gazetteer__llpg') }}
),

properties as (
    select
        uprn,
        parent_uprn,
        usrn,
        full_address as address,
        postcode,
        classification_code,
        is_flat,
        ward_code,
        ward_name,
        lsoa_code,
        x_coordinate,
        y_coordinate,
        is_current
    from gazetteer
)

select * from properties
