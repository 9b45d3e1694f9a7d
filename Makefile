# The two commands: `make run` (hub + worker + beat + wxsandbox with demo data) and `make test`.
# Both install what is missing first: uv from PyPI, the locked Python packages, ECharts and Swagger UI
# from npm. Both run the embedded demo (WXMALL_DEMO=1); without it the hub is in production mode.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
UV := python3 -m uv
ECHARTS_VERSION := 6
VAR_DIR := $(or $(WXMALL_VAR_DIR),var)
ECHARTS := $(VAR_DIR)/vendor/echarts/echarts.min.js
SWAGGER_UI_VERSION := 5
SWAGGER_UI := $(VAR_DIR)/vendor/swagger-ui/swagger-ui-bundle.js
QUILL_VERSION := 2.0.3
QUILL := $(VAR_DIR)/vendor/quill/quill.js

.PHONY: run test setup lint bench clean

setup: .venv/.synced $(ECHARTS) $(SWAGGER_UI) $(QUILL)

.venv/.synced: pyproject.toml uv.lock
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv
	$(UV) sync --frozen --quiet
	@touch $@

$(ECHARTS):
	@mkdir -p $(dir $@) $(VAR_DIR)/tmp
	cd $(VAR_DIR)/tmp && npm pack --silent echarts@$(ECHARTS_VERSION) >/dev/null && tar -xzf echarts-*.tgz package/dist/echarts.min.js
	mv $(VAR_DIR)/tmp/package/dist/echarts.min.js $@ && rm -rf $(VAR_DIR)/tmp

# /api/docs works offline: Swagger UI's bundle and stylesheet are served from the project, not a CDN.
$(SWAGGER_UI):
	@mkdir -p $(dir $@) $(VAR_DIR)/tmp-swagger
	cd $(VAR_DIR)/tmp-swagger && npm pack --silent swagger-ui-dist@$(SWAGGER_UI_VERSION) >/dev/null \
	  && tar -xzf swagger-ui-dist-*.tgz package/swagger-ui-bundle.js package/swagger-ui.css package/LICENSE
	mv $(VAR_DIR)/tmp-swagger/package/swagger-ui.css $(VAR_DIR)/tmp-swagger/package/LICENSE $(dir $@)
	mv $(VAR_DIR)/tmp-swagger/package/swagger-ui-bundle.js $@ && rm -rf $(VAR_DIR)/tmp-swagger

# The product editor's rich-text description box (Quill, BSD-3-Clause): script, theme and licence.
$(QUILL):
	@mkdir -p $(dir $@) $(VAR_DIR)/tmp-quill
	cd $(VAR_DIR)/tmp-quill && npm pack --silent quill@$(QUILL_VERSION) >/dev/null \
	  && tar -xzf quill-*.tgz package/dist/quill.js package/dist/quill.snow.css package/LICENSE
	mv $(VAR_DIR)/tmp-quill/package/dist/quill.snow.css $(VAR_DIR)/tmp-quill/package/LICENSE $(dir $@)
	mv $(VAR_DIR)/tmp-quill/package/dist/quill.js $@ && rm -rf $(VAR_DIR)/tmp-quill

run: export WXMALL_DEMO := 1
test: export WXMALL_DEMO := 1
bench: export WXMALL_DEMO := 1

run: setup
	$(UV) run python manage.py migrate --noinput
	$(UV) run python manage.py load_demo
	$(UV) run python manage.py runall

test: setup
	$(UV) run pytest $(PYTEST_ARGS)

lint: setup
	$(UV) run ruff check src tests bench
	$(UV) run ruff format --check src tests bench

bench: setup
	$(UV) run python bench/checkout.py
	$(UV) run python bench/sandbox.py
	$(UV) run python bench/tokens.py
	$(UV) run python bench/notify.py
	$(UV) run python bench/scanner.py

clean:
	rm -rf $(VAR_DIR) .venv
