"""`{% recommended product_ids %}`: the "bought together" block for a storefront page, marked so
track.js logs its views and clicks (rec_view, rec_click) for the click-through rate."""

from django import template

from ..recommendations import for_products

register = template.Library()


@register.inclusion_tag("analytics/_recommended.html")
def recommended(products, title: str = "搭配购买"):
    """`products`: one product id (the product page), or the cart's lines (each with `product_id`)."""
    ids = [products] if isinstance(products, int) else [line.product_id for line in products]
    return {"products": for_products(ids), "title": title}
