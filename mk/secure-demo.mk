# make demo-secure: signed apps on the simulated device (scripts/demo-secure.sh).
.PHONY: demo-secure
demo-secure: deps build
	@scripts/demo-secure.sh $(BUILD)
