"""Error codes of the catalogue. The API answers {"code": "<member name lower>", "message": "..."}."""

from wxmall.core.errors import ErrorCode


class CatalogError(ErrorCode):
    CATEGORY_NOT_FOUND = (404, "分类不存在")
    PRODUCT_NOT_FOUND = (404, "商品不存在或已下架")
    SKU_NOT_FOUND = (404, "商品规格不存在")
    SKU_UNAVAILABLE = (409, "该规格已停售")
    OUT_OF_STOCK = (409, "库存不足")
    INVALID_FILTER = (400, "筛选条件不正确")
